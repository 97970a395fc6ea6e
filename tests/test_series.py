"""Series grouping scenarios (MAIL-NOTES edge cases 1-5, 17, 20-21, 27-45, 74)."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssg import series as sg
from ssg.model import Address
from tests.mailfactory import ALICE, BOB, CAROL, T0, mail, reply, series_mails, subject

DAY = 86400
EARLIER = sg.series_id("e-0")


def check(g, mails):
    """Invariants every grouping keeps."""
    ids = list(dict.fromkeys(m.message_id for m in mails))
    assert [mid for mid, _ in g.classes] == ids
    cls = dict(g.classes)
    owned = Counter(mid for s in g.series for mid in ((s.cover,) if s.cover else ()) + s.patches)
    for mid in ids:
        if cls[mid] in sg.SUBMISSIONS:
            assert owned[mid] == 1, mid
    assert all(v == 1 for v in owned.values())
    member = dict(g.membership)
    assert len(member) == len(g.membership)
    assert len({s.id for s in g.series}) == len(g.series)
    for s in g.series:
        assert s.title and s.title != "(untitled)"
        assert s.id.startswith("s") and len(s.id) == 13
        assert list(s.flags) == sorted(set(s.flags))
        for mid in ((s.cover,) if s.cover else ()) + s.patches + s.replies:
            assert member[mid] == s.id
    return {s.id: s for s in g.series}, cls


def only(g):
    assert len(g.series) == 1, g.series
    return g.series[0]


def test_cover_and_patches_as_replies():  # edge 1
    ms = series_mails("c1", "Make foo faster", 3)
    g = sg.group(ms)
    check(g, ms)
    s = only(g)
    assert (s.cover, s.patches, s.expected, s.version) == ("c1-0", ("c1-1", "c1-2", "c1-3"), 3, "1")
    assert s.missing == () and "incomplete" not in s.flags and s.kind == "patch"
    assert s.id == sg.series_id("c1-0") and s.title == "Make foo faster" and s.submitter == ALICE
    assert s.thread_root == "c1-0" and s.date == T0


def test_deep_threading_is_the_same():  # edge 2
    g = sg.group(series_mails("d1", "Deep", 3, deep=True))
    s = only(g)
    assert s.cover == "d1-0" and s.patches == ("d1-1", "d1-2", "d1-3")


def test_single_patch_without_and_with_counter():  # edges 3, 4
    a = mail("one", subject("Fix a leak"), diff=True)
    b = mail("two", subject("Fix b leak", index=1, expected=1), diff=True, date=T0 + 5)
    g = sg.group([a, b])
    ids, _ = check(g, [a, b])
    for mid in ("one", "two"):
        s = ids[sg.series_id(mid)]
        assert s.patches == (mid,) and s.expected == 1 and s.missing == () and s.cover == ""


def test_cover_0_of_1():  # edge 5
    ms = series_mails("c", "One", 1)
    s = only(sg.group(ms))
    assert s.cover == "c-0" and s.patches == ("c-1",) and s.expected == 1


def test_cover_after_patches_and_out_of_order():  # edge 29
    ms = series_mails("o", "Order", 4)
    arrived = [T0 + 100, T0 + 3, T0 + 1, T0 + 4, T0 + 2]
    ms = [mail(m.message_id, m.subject, date=m.date, arrived=a, in_reply_to=m.in_reply_to, diff=m.has_diff)
          for m, a in zip(ms, arrived)]
    g = sg.group(list(reversed(ms)))
    s = only(g)
    assert s.cover == "o-0" and s.patches == ("o-1", "o-2", "o-3", "o-4")


def test_incomplete_series_with_cover():  # edges 7 (notes), 30
    ms = series_mails("x", "x86/msr: rework", 32, slots=(27, 31, 32))
    s = only(sg.group(ms))
    assert s.patches == ("x-27", "x-31", "x-32") and s.expected == 32
    assert "incomplete" in s.flags and len(s.missing) == 29 and 1 in s.missing and 27 not in s.missing
    assert s.title == "x86/msr: rework"


def test_no_cover_lowest_patch_names_the_series():  # edges 30, 31
    ms = series_mails("y", "treewide: thing", 5, cover=False, slots=(4, 2))
    ms = [mail(m.message_id, m.subject, date=m.date, in_reply_to="ghost-cover", diff=True) for m in ms]
    g = sg.group(ms)
    s = only(g)
    assert s.cover == "" and s.patches == ("y-2", "y-4") and s.id == sg.series_id("y-2")
    assert s.title == "treewide: thing part 2" and s.subject.startswith("[PATCH 2/5]")
    assert s.missing == (1, 3, 5) and s.thread_root == "ghost-cover"


def test_title_never_untitled():
    m = mail("e", subject("", raw=""), diff=True)
    s = only(sg.group([m]))
    assert s.title == "<e>"


def test_naked_cover():  # edge 32
    cover = mail("n0", subject("Speed up the ring buffer", keywords=()))
    ps = [mail(f"n{k}", subject(f"ring: part {k}", index=k, expected=2), in_reply_to="n0", diff=True,
               date=T0 + k) for k in (1, 2)]
    g = sg.group([cover, *ps])
    _, cls = check(g, [cover, *ps])
    s = only(g)
    assert cls["n0"] == "cover" and s.cover == "n0" and s.patches == ("n1", "n2") and s.expected == 2


def test_series_replying_to_someone_elses_bug_report():  # edge 33
    report = mail("bug", "foo crashes on boot", sender=CAROL, date=T0 - DAY)
    ps = [mail(f"f{k}", subject(f"foo: fix {k}", index=k, expected=2), in_reply_to="bug", diff=True,
               date=T0 + k) for k in (1, 2)]
    g = sg.group([report, *ps])
    _, cls = check(g, [report, *ps])
    s = only(g)
    assert cls["bug"] == "other" and s.cover == "" and s.patches == ("f1", "f2")
    assert s.thread_root == "bug" and s.submitter == ALICE


def test_same_cover_sent_twice_first_is_an_orphan():  # edge 34
    first = mail("c-first", subject("Thing", index=0, expected=2))
    again = series_mails("c2", "Thing", 2, date=T0 + 30)
    g = sg.group([first, *again])
    ids, _ = check(g, [first, *again])
    orphan, real = ids[sg.series_id("c-first")], ids[sg.series_id("c2-0")]
    assert orphan.patches == () and "orphan" in orphan.flags
    assert real.patches == ("c2-1", "c2-2") and "resend" in real.flags


def test_v2_in_reply_to_v1_cover():  # edge 35
    v1 = series_mails("v1", "Add widget", 2)
    v2 = series_mails("v2", "Add widget", 2, version="2", date=T0 + DAY, in_reply_to="v1-0")
    g = sg.group(v1 + v2)
    ids, _ = check(g, v1 + v2)
    a, b = ids[sg.series_id("v1-0")], ids[sg.series_id("v2-0")]
    assert a.patches == ("v1-1", "v1-2") and b.patches == ("v2-1", "v2-2")
    assert b.version == "2" and b.previous == a.id and b.thread_root == "v1-0"
    assert "partial-reroll" not in b.flags


def test_unlabelled_resend_a_day_later():  # edge 36
    a = mail("r1", subject("Fix the thing"), diff=True)
    b = mail("r2", subject("Fix the thing"), diff=True, date=T0 + DAY)
    g = sg.group([a, b])
    ids, _ = check(g, [a, b])
    assert ids[sg.series_id("r1")].patches == ("r1",) and "resend" not in ids[sg.series_id("r1")].flags
    assert ids[sg.series_id("r2")].patches == ("r2",) and "resend" in ids[sg.series_id("r2")].flags


def test_partial_reroll():  # edge 37
    v3 = series_mails("v3", "Tidy up", 6, version="3")
    v4 = mail("v4-6", subject("Tidy up part 6", version="4", index=6, expected=6), diff=True,
              in_reply_to="v3-6", references=("v3-0",), date=T0 + DAY)
    g = sg.group([*v3, v4])
    ids, _ = check(g, [*v3, v4])
    s, old = ids[sg.series_id("v4-6")], ids[sg.series_id("v3-0")]
    assert s.version == "4" and s.patches == ("v4-6",) and s.missing == (1, 2, 3, 4, 5)
    assert "partial-reroll" in s.flags and s.reroll_of == old.id and s.previous == old.id
    assert len(old.patches) == 6


def test_mixed_versions_make_two_series():  # edge 38
    p1 = mail("m1", subject("Mix part 1", index=1, expected=2), diff=True)
    p2 = mail("m2", subject("Mix part 2", version="2", index=2, expected=2), diff=True,
              in_reply_to="m1", date=T0 + 3600)
    g = sg.group([p1, p2])
    ids, _ = check(g, [p1, p2])
    a, b = ids[sg.series_id("m1")], ids[sg.series_id("m2")]
    assert (a.version, a.patches, a.missing) == ("1", ("m1",), (2,))
    assert (b.version, b.patches, b.missing) == ("2", ("m2",), (1,))


def _gse(n: int, stamp: str = "20260715032942.3945317") -> str:
    return f"{stamp}-{n}-alice@example.org"


def test_version_typo_inside_a_stem_batch():  # edge 39
    cover = mail(_gse(1), subject("Big", version="14", index=0, expected=3))
    ps = [mail(_gse(k + 1), subject(f"Big {k}", version="13" if k == 2 else "14", index=k, expected=3),
               in_reply_to=_gse(1), diff=True, date=T0 + k) for k in (1, 2, 3)]
    g = sg.group([cover, *ps])
    s = only(g)
    assert s.version == "14" and s.patches == (_gse(2), _gse(3), _gse(4)) and s.cover == _gse(1)


def test_version_typo_on_the_cover_is_outvoted():  # edge 39, the other way round
    for make_id in (lambda k: f"1702518704-15886-{k}-git-send-email-alice@example.org", lambda k: f"soc{k}"):
        cover = mail(make_id(1), subject("Soc", version="2", index=0, expected=3))
        ps = [mail(make_id(k + 1), subject(f"Soc {k}", version="3", index=k, expected=3),
                   in_reply_to=cover.message_id, diff=True, date=T0 + k) for k in (1, 2, 3)]
        s = only(sg.group([cover, *ps]))
        assert s.version == "3" and s.cover == cover.message_id and len(s.patches) == 3


def test_version_typo_without_stems_is_adopted_by_the_cover():  # edge 39
    ms = series_mails("t", "Big", 3, version="14")
    typo = ms[2]
    ms[2] = mail(typo.message_id, subject("Big part 2", version="13", index=2, expected=3),
                 in_reply_to="t-0", diff=True, date=typo.date)
    s = only(sg.group(ms))
    assert s.version == "14" and s.patches == ("t-1", "t-2", "t-3")


def test_companion_patch_with_other_expected_is_separate():  # edge 40
    kernel = series_mails("k", "RFC thing", 14, keywords=("PATCH", "RFC"))
    qemu = mail("q", subject("QEMU side", keywords=("PATCH", "RFC"), index=1, expected=1),
                in_reply_to="k-0", diff=True, date=T0 + 20)
    g = sg.group([*kernel, qemu])
    ids, _ = check(g, [*kernel, qemu])
    assert len(ids[sg.series_id("k-0")].patches) == 14
    comp = ids[sg.series_id("q")]
    assert comp.patches == ("q",) and comp.expected == 1 and "rfc" in comp.flags


def test_fixup_inside_a_series_is_never_slot_1():  # edge 41
    ms = series_mails("s", "Series", 3, slots=(2, 3))
    fix = mail("fix", subject("fixup! Series part 1"), in_reply_to="s-0", diff=True, sender=BOB,
               date=T0 + 50)
    fix_same_sender = mail("fix2", subject("fixup! again"), in_reply_to="s-0", diff=True, date=T0 + 60)
    g = sg.group([*ms, fix, fix_same_sender])
    ids, _ = check(g, [*ms, fix, fix_same_sender])
    main = ids[sg.series_id("s-0")]
    assert main.patches == ("s-2", "s-3") and main.missing == (1,)
    assert ids[sg.series_id("fix")].patches == ("fix",)
    assert ids[sg.series_id("fix2")].patches == ("fix2",)


def test_unnumbered_v2_reply_inside_a_big_thread():  # edge 42
    big = series_mails("b", "Huge", 59)
    v2 = mail("b-v2", subject("v2 Huge part 7", keywords=("PATCH",)), in_reply_to="b-7",
              references=("b-0",), diff=True, date=T0 + DAY)
    g = sg.group([*big, v2])
    ids, _ = check(g, [*big, v2])
    s = ids[sg.series_id("b-v2")]
    assert s.patches == ("b-v2",) and s.thread_root == "b-0" and s.expected == 1
    assert len(ids[sg.series_id("b-0")].patches) == 59


def test_identical_resends_are_separate_postings():  # edge 43
    first = series_mails("i1", "Same", 2)
    again = [mail(m.message_id.replace("i1", "i2"), m.subject, date=m.date + 10, diff=m.has_diff,
                  in_reply_to=m.in_reply_to.replace("i1", "i2")) for m in first]
    single_a = mail("sa", subject("Lone"), diff=True)
    single_b = mail("sb", subject("Lone"), diff=True, date=T0 + 5)
    g = sg.group([*first, *again, single_a, single_b])
    ids, _ = check(g, [*first, *again, single_a, single_b])
    assert len(ids) == 4 and ids[sg.series_id("i2-0")].patches == ("i2-1", "i2-2")


def test_identical_resends_without_ids_split_by_slot():  # edge 43, stem-less and thread-less
    a = [mail(f"a{k}", subject(f"P {k}", index=k, expected=2), diff=True, in_reply_to="root",
              date=T0 + k) for k in (1, 2)]
    b = [mail(f"b{k}", subject(f"P {k}", index=k, expected=2), diff=True, in_reply_to="root",
              date=T0 + 10 + k) for k in (1, 2)]
    g = sg.group(a + b)
    ids, _ = check(g, a + b)
    assert ids[sg.series_id("a1")].patches == ("a1", "a2") and ids[sg.series_id("b1")].patches == ("b1", "b2")


def test_same_message_id_twice():  # edges 44, 45
    ms = series_mails("d", "Dup", 2)
    again = mail("d-1", ms[1].subject, in_reply_to="d-0", diff=True, commit_salt="again")
    changed = mail("d-2", subject("Dup part 2 (changed)", index=2, expected=2), in_reply_to="d-0",
                   diff=True, text="other", commit_salt="x")
    g = sg.group([*ms, again, changed])
    check(g, ms)
    s = only(g)
    assert s.patches == ("d-1", "d-2")
    assert [d[0] for d in g.duplicates] == ["d-1", "d-2"] and [c[0] for c in g.conflicts] == ["d-2"]


def test_git_pull_followed_by_patches():  # edge 27
    pull = mail("pull", subject("KVM/arm64 updates for 6.9", keywords=("GIT PULL",)))
    ps = [mail(f"pp{k}", subject(f"KVM: arm64: {k}", index=k, expected=3), in_reply_to="pull",
               diff=True, date=T0 + k) for k in (1, 2, 3)]
    g = sg.group([pull, *ps])
    _, cls = check(g, [pull, *ps])
    s = only(g)
    assert cls["pull"] == "pull" and s.kind == "pull" and s.cover == "pull"
    assert s.patches == ("pp1", "pp2", "pp3") and s.expected == 3 and s.id == sg.series_id("pull")


def test_pull_0_of_n():  # edge 28
    ms = series_mails("q", "kvm-unit-tests update", 3, keywords=("PULL",))
    g = sg.group(ms)
    _, cls = check(g, ms)
    s = only(g)
    assert cls["q-0"] == "pull" and s.kind == "pull" and s.patches == ("q-1", "q-2", "q-3")


def test_lone_git_pull():  # edge 26
    s = only(sg.group([mail("p", subject("Hyper-V fixes", keywords=("GIT PULL",)))]))
    assert s.kind == "pull" and s.cover == "p" and s.patches == () and "orphan" not in s.flags


def test_v8_1_resend_inside_the_v8_thread():  # edge 74
    v8 = series_mails("v8", "Feature", 9, version="8")
    r = mail("v81-5", subject("Feature part 5", version="8.1", index=5, expected=9), diff=True,
             in_reply_to="v8-5", references=("v8-0",), date=T0 + 2 * DAY)
    g = sg.group([*v8, r])
    ids, _ = check(g, [*v8, r])
    s, old = ids[sg.series_id("v81-5")], ids[sg.series_id("v8-0")]
    assert s.version == "8.1" and s.thread_root == "v8-0" and s.reroll_of == old.id
    assert s.patches == ("v81-5",) and len(old.patches) == 9 and old.version == "8"


def test_partial_resends_sent_separately_are_one_posting():  # edge 74, two V8.1 patches
    v8 = series_mails("w8", "Feature", 9, version="8")
    r5 = mail("w81-5", subject("Feature part 5", version="8.1", index=5, expected=9), diff=True,
              in_reply_to="w8-5", references=("w8-0",), date=T0 + 2 * DAY)
    r6 = mail("w81-6", subject("Feature part 6", version="8.1", index=6, expected=9), diff=True,
              in_reply_to="w8-6", references=("w8-0",), date=T0 + 2 * DAY + 600)
    g = sg.group([*v8, r5, r6])
    ids, _ = check(g, [*v8, r5, r6])
    s = ids[sg.series_id("w81-5")]
    assert s.patches == ("w81-5", "w81-6") and s.version == "8.1" and "partial-reroll" in s.flags


def test_unthreaded_patches_join_the_cover_sent_just_before():
    cover = mail("u0", subject("Flag", version="5", index=0, expected=2))
    p2 = mail("u2", subject("Flag part 2", version="5", index=2, expected=2), diff=True, date=T0 + 300)
    late = mail("u9", subject("Flag part 1", version="5", index=1, expected=2), diff=True, date=T0 + DAY)
    g = sg.group([cover, p2, late])
    ids, _ = check(g, [cover, p2, late])
    assert ids[sg.series_id("u0")].patches == ("u2",) and ids[sg.series_id("u9")].patches == ("u9",)


def test_patches_replying_to_a_rewritten_cover_id_join_it():
    cover = mail("RewrittenByServer@mail.example", subject("Remove it", index=0, expected=2))
    ps = [mail(f"rw{k}", subject(f"Remove {k}", index=k, expected=2), diff=True, date=T0 + k,
               in_reply_to="20221205153644.60909-1-alice@example.org") for k in (1, 2)]
    s = only(sg.group([cover, *ps]))
    assert s.cover == cover.message_id and s.patches == ("rw1", "rw2")


def test_cover_resent_after_its_patches_in_the_same_thread():
    ps = [mail(f"bp{k}", subject(f"Check {k}", version="0", index=k, expected=42), diff=True,
               date=T0 + k, in_reply_to="lost-cover") for k in (8, 17)]
    cover = mail("bp-cover", subject("notifiers", version="0", index=0, expected=42), in_reply_to="lost-cover",
                 date=T0 + 480)
    s = only(sg.group([*ps, cover]))
    assert s.cover == "bp-cover" and s.patches == ("bp8", "bp17") and s.thread_root == "lost-cover"


def test_replies_with_diffs_never_start_series():  # edges 20, 21
    ms = series_mails("r", "Thing", 2)
    fixup = reply("rr", ms[2], diff=True)
    fwd = mail("fw", subject("Thing part 1", index=1, expected=2, forward=True), diff=True, sender=CAROL)
    g = sg.group([*ms, fixup, fwd])
    ids, cls = check(g, [*ms, fixup, fwd])
    assert cls["rr"] == "reply" and cls["fw"] == "reply" and len(ids) == 1
    assert only(g).replies == ("rr",)


def test_autosel_incomplete_series():  # edge 17
    sasha = Address("Stable Sam", "sam@example.org")
    ps = [mail(f"as{k}", subject(f"fix {k}", keywords=("PATCH", "AUTOSEL"), prefixes=("6.6",), index=k,
                                 expected=31), diff=True, sender=sasha, date=T0 + k,
               author=Address("Real Author", "ra@example.com"), in_reply_to="as0-ghost")
          for k in (1, 2, 3)]
    s = only(sg.group(ps))
    assert {"autosel", "incomplete"} <= set(s.flags) and len(s.missing) == 28 and s.prefixes == ("6.6",)


def test_replies_attributed_to_nearest_series():
    ms = series_mails("a", "Alpha", 2)
    r1 = reply("r1", ms[1])
    r2 = reply("r2", r1, sender=ALICE)
    chat = mail("chat", "unrelated")
    g = sg.group([*ms, r1, r2, chat])
    check(g, [*ms, r1, r2, chat])
    s = only(g)
    assert s.replies == ("r1", "r2") and "chat" not in dict(g.membership)


def test_reply_with_truncated_references_finds_its_series_through_its_parent():
    ms = series_mails("t", "Tee", 1)
    r1 = reply("r1", ms[1])
    r2 = mail("r2", subject("Tee part 1", reply=True), sender=ALICE, in_reply_to="r1",  # refs cut to r1
              date=T0 + 3600)
    g = sg.group([r2, *ms, r1])  # the child comes first
    assert dict(g.membership)["r2"] == only(g).id and only(g).replies == ("r1", "r2")


def test_cover_replies_belong_to_the_series():  # edge 66 (stats apply cover acks to every patch)
    ms = series_mails("k", "Kay", 2)
    ack = reply("ack", ms[0], sender=CAROL)
    munged = mail("via", subject("Kay", reply=True), sender=BOB,
                  from_header=Address("Bob Brook via Lists", "list@lists.example"), in_reply_to="k-2",
                  date=T0 + 3600)
    g = sg.group([*ms, ack, munged])
    s = only(g)
    assert s.cover == "k-0" and s.replies == ("ack", "via") and dict(g.membership)["ack"] == s.id


def test_look_back_continues_an_earlier_series():  # edge 31 with look-back
    prior = {
        "e-0": sg.PriorMessage("e-0", EARLIER, "cover", "e-0", "2", 3, "alice@example.org", T0, 0),
        "e-1": sg.PriorMessage("e-1", EARLIER, "patch", "e-0", "2", 3, "alice@example.org", T0, 1),
    }
    late = [mail(f"e-{k}", subject(f"E {k}", version="2", index=k, expected=3), in_reply_to="e-0",
                 diff=True, date=T0 + k) for k in (2, 3)]
    rep = reply("re", mail("e-1", subject("E 1", version="2", index=1, expected=3)))
    g = sg.group([*late, rep], prior=prior)
    ids, _ = check(g, [*late, rep])
    s = only(g)
    assert s.id == EARLIER and "continued" in s.flags and s.patches == ("e-2", "e-3")
    assert s.missing == () and s.cover == "" and s.thread_root == "e-0"
    assert dict(g.membership)["re"] == EARLIER


def test_look_back_repeated_slot_is_a_new_posting():
    prior = {"c-0": sg.PriorMessage("c-0", EARLIER, "cover", "c-0", "1", 3, "alice@example.org", T0, 0)}
    a = mail("c-2a", subject("two", index=2, expected=3), diff=True, in_reply_to="c-0", date=T0 + 5)
    b = mail("c-2b", subject("two", index=2, expected=3), diff=True, in_reply_to="c-0", date=T0 + 50)
    g = sg.group([b, a], prior=prior)
    ids, _ = check(g, [b, a])
    assert ids[EARLIER].patches == ("c-2a",) and ids[sg.series_id("c-2b")].patches == ("c-2b",)


def test_look_back_by_message_id_stem():
    prior = {_gse(1): sg.PriorMessage(_gse(1), sg.series_id("prior"), "cover", _gse(1), "1", 2, "alice@example.org")}
    p = mail(_gse(3), subject("two", index=2, expected=2), diff=True)
    s = only(sg.group([p], prior=prior))
    assert s.id == sg.series_id("prior") and s.patches == (_gse(3),) and s.missing == (1,)


def test_look_back_other_version_is_not_continued():
    prior = {"o-1": sg.PriorMessage("o-1", "sOLD", "patch", "o-1", "1", 2, "alice@example.org", T0, 1)}
    p = mail("n-2", subject("two", version="2", index=2, expected=2), diff=True, in_reply_to="o-1")
    s = only(sg.group([p], prior=prior))
    assert s.id == sg.series_id("n-2") and s.previous == "sOLD" and s.reroll_of == "sOLD"


def test_extra_bots_and_bot_replies_are_not_members():
    ms = series_mails("b", "Beta", 1)
    bot = mail("bot", subject("Beta", reply=True), sender=Address("CI", "ci@robots.example"),
               in_reply_to="b-1")
    g = sg.group([*ms, bot], bots=("@robots.example",))
    assert dict(g.classes)["bot"] == "bot" and "bot" not in dict(g.membership)


def test_stem():
    assert sg.stem("20260715032942.3945317-8-longli@example.com") == sg.stem(
        "20260715032942.3945317-1-longli@example.com") != ""
    assert sg.stem("20260713-fix-destroy-v1-2-fcca2e34fd57@example.com") == sg.stem(
        "20260713-fix-destroy-v1-0-fcca2e34fd57@example.com") != ""
    assert sg.stem("1500000000-12345-3-git-send-email-a@b.c") != ""
    assert sg.stem("ak/Cs/qWVJD57qgl@host") == "" and sg.stem("") == ""


# --- properties --------------------------------------------------------------

PEOPLE = (ALICE, BOB, CAROL)


@st.composite
def postings(draw):
    """A random mix of postings (covers, patches, singles, pulls), replies, bots and chat."""
    mails = []
    anchors: list[str] = []
    for i in range(draw(st.integers(1, 6))):
        who = draw(st.sampled_from(PEOPLE))
        version = draw(st.sampled_from(["1", "2", "3", "8.1"]))
        n = draw(st.integers(1, 5))
        date = T0 + draw(st.integers(0, 3)) * DAY + draw(st.integers(0, 600))
        gse = draw(st.booleans())
        name = (lambda k, i=i, who=who: f"2026010100000{i}.{100 + i}-{k + 1}-{who.email}") if gse \
            else (lambda k, i=i: f"m{i}-{k}")
        parent = draw(st.sampled_from(["", *anchors])) if anchors else ""
        kind = draw(st.sampled_from(["series", "series", "single", "pull"]))
        if kind == "single":
            mails.append(mail(name(0), subject(f"single {i}", version=version), sender=who, date=date,
                              diff=True, in_reply_to=parent))
            anchors.append(name(0))
            continue
        head_kw = ("GIT PULL",) if kind == "pull" else ("PATCH",)
        root = parent
        if draw(st.booleans()) or kind == "pull":
            idx = None if kind == "pull" else 0
            mails.append(mail(name(0), subject(f"posting {i}", keywords=head_kw, version=version, index=idx,
                                               expected=None if kind == "pull" else n),
                              sender=who, date=date, in_reply_to=parent))
            root = name(0)
            anchors.append(root)
        present = draw(st.sets(st.integers(1, n), min_size=1))
        for k in sorted(present):
            mails.append(mail(name(k), subject(f"posting {i} part {k}", version=version, index=k, expected=n),
                              sender=who, date=date + k, diff=True, in_reply_to=root,
                              arrived=date + draw(st.integers(0, 50))))
            anchors.append(name(k))
    for j in range(draw(st.integers(0, 6))):
        parent = draw(st.sampled_from([m.message_id for m in mails] + ["ghost"]))
        who = draw(st.sampled_from(PEOPLE))
        subj = subject("discussion", keywords=("PATCH",), reply=True)
        mails.append(mail(f"reply{j}", subj, sender=who, in_reply_to=parent, date=T0 + 5 * DAY + j,
                          diff=draw(st.booleans())))
    if draw(st.booleans()):
        mails.append(mail("bot", subject("x", reply=True), sender=Address("", "lkp@intel.com"),
                          in_reply_to=mails[0].message_id))
    if draw(st.booleans()):
        mails.append(mail("chat", "Hello Dear"))
    return mails


def _summary(g):
    return (frozenset(g.classes), g.series, frozenset(g.membership))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(postings(), st.randoms(use_true_random=False))
def test_grouping_is_a_partition_and_order_independent(mails, rnd):
    g = sg.group(mails)
    check(g, mails)
    cls = Counter(c for _, c in g.classes)
    assert sum(cls.values()) == len({m.message_id for m in mails})
    assert cls["patch"] + cls["cover"] + cls["pull"] == sum(
        len(s.patches) + bool(s.cover) for s in g.series)
    assert set(cls) <= {"patch", "cover", "reply", "pull", "bot", "other"}
    attributed = {mid for mid, _ in g.membership}
    assert all(dict(g.classes)[mid] in ("patch", "cover", "pull", "reply") for mid in attributed)
    shuffled = mails[:]
    rnd.shuffle(shuffled)
    assert _summary(sg.group(shuffled)) == _summary(g)


@settings(max_examples=60, deadline=None)
@given(postings())
def test_look_back_split_keeps_every_message_once(mails):
    """Group the first half, feed it as prior to the second half: still a partition."""
    half = len(mails) // 2
    first = sg.group(mails[:half])
    cls = dict(first.classes)
    member = dict(first.membership)
    prior = {m.message_id: sg.PriorMessage(m.message_id, member.get(m.message_id, ""), cls[m.message_id],
                                           m.in_reply_to or m.message_id, m.subject.version,
                                           m.subject.expected, sg.sender_key(m), m.date, m.subject.index)
             for m in mails[:half]}
    second = sg.group(mails[half:], prior=prior)
    check(second, mails[half:])


def test_very_deep_threading_and_replies_do_not_recurse():
    n = 1500
    ms = [mail("z-0", subject("Deep", index=0, expected=n))]
    for k in range(1, n + 1):
        ms.append(mail(f"z-{k}", subject(f"Deep {k}", index=k, expected=n), in_reply_to=f"z-{k-1}",
                       diff=True, date=T0 + k))
    rs = [mail("zr-0", subject("Deep", reply=True), sender=BOB, in_reply_to=f"z-{n}", date=T0 + DAY)]
    for k in range(1, n):
        rs.append(mail(f"zr-{k}", subject("Deep", reply=True), sender=BOB, in_reply_to=f"zr-{k-1}",
                       date=T0 + DAY + k))
    prior = {"z-0": sg.PriorMessage("z-0", EARLIER, "cover", "z-0", "1", n, "alice@example.org", T0, 0)}
    g = sg.group(list(reversed(ms[1:] + rs)), prior=prior)
    s = only(g)
    assert s.id == EARLIER and len(s.patches) == n and len(s.replies) == n


def test_odd_input_never_raises():
    odd = [
        mail("", subject("", keywords=(), raw="")),
        mail("neg", subject("x", index=-1, expected=0), diff=True),
        mail("huge", subject("x", index=3, expected=10**9), diff=True),
        mail("sub", subject("x", index=34, subindex=5, expected=36), diff=True),
        mail("self", subject("x", reply=True), in_reply_to="self", references=("self",)),
        mail("loop1", subject("x", index=1, expected=2), in_reply_to="loop2", diff=True),
        mail("loop2", subject("x", index=2, expected=2), in_reply_to="loop1", diff=True),
        mail("synthetic.x@ssg.invalid", subject("x", index=1, expected=1), diff=True, synthetic=True),
        mail("pv", subject("x", keywords=("PATCH",), version="", index=1, expected=1), diff=True),
    ]
    g = sg.group(odd + odd[:2])
    ids, _ = check(g, odd)
    huge = next(s for s in g.series if "huge" in s.patches)
    assert huge.missing == ()
    inserted = next(s for s in g.series if "sub" in s.patches)
    assert inserted.missing == tuple(range(1, 37))  # 34.5 fills neither 34 nor 5 (edge 11)
