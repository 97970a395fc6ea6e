"""Classification rules (MAIL-NOTES "Classification"; edge cases 17, 20-26)."""

from __future__ import annotations

import pytest

from ssg import classify as c
from ssg.model import MESSAGE_CLASSES, Address, PullRequest
from tests.mailfactory import ALICE, BOB, mail, review, subject

LKP = Address("kernel test robot", "lkp@intel.com")


def test_rule_table_is_ordered_named_data():
    names = [name for name, _, _ in c.RULES]
    classes = [cls for _, cls, _ in c.RULES]
    assert classes == ["bot", "reply", "pull", "cover", "other", "patch", "other"]
    assert len(set(names)) == len(names)
    assert set(classes) <= set(MESSAGE_CLASSES)


@pytest.mark.parametrize("m, expected", [
    # plain patch, no tag needed (edge 23)
    (mail("a", subject("x", index=None)), "other"),
    (mail("a", subject("x"), diff=True), "patch"),
    (mail("a", "properly communicate queue limits", diff=True), "patch"),
    # cover with explicit 0/N; 0/1 too (edge 5)
    (mail("a", subject("x", index=0, expected=3)), "cover"),
    (mail("a", subject("x", index=0, expected=1)), "cover"),
    # replies, with or without a diff (edges 20, 21)
    (mail("a", subject("x", index=2, expected=3, reply=True), diff=True), "reply"),
    (mail("a", subject("x", index=1, expected=2, forward=True), diff=True), "reply"),
    (mail("a", subject("x", reply=True)), "reply"),
    # b4's rule: References, no diff, a Reviewed-by, no marker (edge 22)
    (mail("a", subject("x"), in_reply_to="p", followups=(review(),)), "reply"),
    # untagged, diff-less mail inside a thread; a quoting reply that kept the subject
    (mail("a", subject("x", index=2, expected=2), in_reply_to="p", text="> quoted\nmy answer"), "reply"),
    (mail("a", subject("x", index=2, expected=2), in_reply_to="p", text="no diff seen"), "other"),
    (mail("a", subject("x", index=0, expected=2), in_reply_to="p", text="> quoted"), "cover"),
    (mail("a", "thanks, applied", in_reply_to="p"), "reply"),
    # pull requests (edges 26, 28)
    (mail("a", subject("Hyper-V fixes", keywords=("GIT PULL",))), "pull"),
    (mail("a", "please pull", pull=PullRequest(base="abc", url="git://x/y.git")), "pull"),
    (mail("a", subject("x", keywords=("PULL",), index=0, expected=3)), "pull"),
    (mail("a", subject("x", index=0, expected=6), pull=PullRequest(base="abc", url="https://x/y.git")),
     "cover"),
    (mail("a", subject("x", keywords=("PULL",), index=37, expected=39), diff=True), "patch"),
    (mail("a", subject("x", keywords=("GIT PULL",), reply=True)), "reply"),
    # spam / discussion
    (mail("a", "Hello Dear"), "other"),
])
def test_table(m, expected):
    assert c.classify(m) == expected


@pytest.mark.parametrize("m", [
    # kernel test robot with a counter that looks like a patch tag (bots before tags)
    mail("a", subject("drivers/vhost/vhost.c:2672:9: error", keywords=(), prefixes=("vhost:vhost",),
                      index=6, expected=6), sender=LKP),
    mail("a", subject("KASAN: use-after-free", reply=True),
         sender=Address("syzbot", "syzbot+1234abcd@syzkaller.appspotmail.com"), diff=True),
    mail("a", subject("x", reply=True), sender=Address("", "patchwork-bot+netdevbpf@kernel.org")),
    mail("a", subject("x", keywords=("GIT PULL",), reply=True),
         sender=Address("", "pr-tracker-bot@kernel.org")),
    mail("a", subject("x", reply=True), sender=Address("", "sashiko-bot@kernel.org")),
    # tip-bot2 commit notice with the diff (edge 25), even from an unknown address
    mail("a", subject("clocksource/drivers/foo: bar", keywords=(), prefixes=("tip: timers/core",),
                      raw="[tip: timers/core] clocksource/drivers/foo: bar"),
         sender=Address("tip-bot2 for Alice", "someone@example.org"), diff=True, in_reply_to="p"),
    # stable-tree notices
    mail("a", 'Patch "foo: fix bar" has been added to the 6.6-stable tree', in_reply_to="p"),
    mail("a", 'FAILED: Patch "foo: fix bar" failed to apply to 5.15-stable tree'),
    mail("a", subject("x"), diff=True, hints=(("x-stable", "commit"),)),
    mail("a", "Out of office", hints=(("auto-submitted", "auto-replied"),)),
])
def test_bots_first(m):
    assert c.explain(m)[0] == "bot-sender-or-notice"


def test_syzbot_report_with_test_diff_is_not_a_series():  # edge 24
    m = mail("a", "[syzbot] KASAN: slab-out-of-bounds in foo",
             sender=Address("syzbot", "syzbot+ffff@syzkaller.appspotmail.com"), diff=True)
    assert c.classify(m) == "bot"


@pytest.mark.parametrize("m", [  # edge 24: a human bug report or question with a test diff
    mail("a", subject("foo crashes on boot", keywords=(), prefixes=("BUG",)), diff=True),
    mail("a", subject("Commit abc breaks Hyper-V", keywords=(), prefixes=("bug", "report")), diff=True),
    mail("a", subject("use of sizeof(header)", keywords=(), prefixes=("QUERY",)), diff=True),
    mail("a", "How to prevent I/O upon hibernation?", diff=True),
])
def test_reports_with_test_diffs_are_not_submissions(m):
    assert c.explain(m) == ("report-or-question", "other")


def test_tagged_patch_with_question_title_is_a_patch():
    assert c.classify(mail("a", subject("Should we do this?"), diff=True)) == "patch"


def test_configured_bots_by_address_and_domain():
    m1 = mail("a", subject("x", reply=True), sender=Address("", "ci@robots.example"))
    m2 = mail("b", subject("x"), diff=True, sender=Address("", "Build@Farm.example"))
    ctx = c.Context(bots=("@robots.example", "build@farm.example"))
    assert c.classify(m1, ctx) == "bot" and c.classify(m2, ctx) == "bot"
    assert c.classify(m1) == "reply" and c.classify(m2) == "patch"


def test_human_reply_to_tip_notice_is_a_reply():
    m = mail("a", subject("x", keywords=(), raw="Re: [tip: x86/urgent] x", reply=True), sender=BOB)
    assert c.classify(m) == "reply"


def test_autosel_is_a_patch_with_a_flag():  # edge 17
    m = mail("a", subject("x", keywords=("PATCH", "AUTOSEL"), prefixes=("6.6",), index=21, expected=31),
             diff=True, hints=(("x-stable", "review"), ("x-patchwork-hint", "Ignore")))
    assert c.classify(m) == "patch" and c.is_autosel(m)
    assert not c.is_autosel(mail("b", subject("x"), diff=True))


def test_cover_with_references_and_acked_by_stays_a_cover():
    m = mail("a", subject("x", version="2", index=0, expected=2), in_reply_to="v1",
             trailers=(review(),))
    assert c.classify(m) == "cover"


def _naked(sender_of_patch=ALICE, root_refs=()):
    cover = mail("n0", subject("Make foo faster", keywords=()), references=root_refs)
    patch = mail("n1", subject("foo: part 1", index=1, expected=2), diff=True, in_reply_to="n0",
                 sender=sender_of_patch)
    return [cover, patch]


def test_naked_cover_needs_a_same_sender_patch_below_it():  # edges 32, 33
    assert c.classify_all(_naked()) == ("cover", "patch")
    assert c.classify_all(_naked(sender_of_patch=BOB)) == ("other", "patch")
    assert c.naked_covers(_naked()) == frozenset({"n0"})


def test_naked_cover_must_be_a_root_unless_patch_tagged():
    assert c.classify_all(_naked(root_refs=("elsewhere",)))[0] == "reply"
    cover = mail("n0", subject("Make foo faster"), in_reply_to="elsewhere")
    patch = mail("n1", subject("p", index=1, expected=1), diff=True, in_reply_to="n0")
    assert c.classify_all([cover, patch]) == ("cover", "patch")


def test_never_raises_on_empty_mail():
    assert c.classify(mail("", subject("", keywords=()))) == "other"


def test_sender_key_is_normalised_identity():
    a = mail("a", "x", sender=Address("A", "Alice+lkml@Example.org"))
    assert c.sender_key(a) == "alice@example.org"
    assert c.sender_key(mail("b", "x", sender=Address("Only Name", ""))) == "name:only name"
