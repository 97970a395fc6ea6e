"""Threads: components, ghosts, duplicates (edges 2, 44, 45, 46, 48)."""

from __future__ import annotations

import random

from ssg import threads as t
from tests.mailfactory import mail, subject


def test_ghost_parent_keeps_siblings_together():
    a = mail("p1", subject("x", index=1, expected=2), in_reply_to="cover", diff=True)
    b = mail("p2", subject("x", index=2, expected=2), in_reply_to="cover", diff=True)
    th = t.build([a, b])
    assert th.root_map() == {"p1": "cover", "p2": "cover"}
    assert th.ghosts == ("cover",)
    assert th.components == (("cover", ("p1", "p2")),)


def test_deep_chain_has_one_root():
    ms = [mail("m0", "root")]
    for i in range(1, 6):
        ms.append(mail(f"m{i}", "x", in_reply_to=f"m{i-1}", references=("m0",)))
    roots = t.build(ms).root_map()
    assert set(roots.values()) == {"m0"}


def test_real_root_present_and_missing_middle():
    root = mail("r", "root")
    leaf = mail("l", "leaf", in_reply_to="mid", references=("r", "mid"))
    th = t.build([leaf, root])
    assert th.root_map() == {"r": "r", "l": "r"} and th.ghosts == ("mid",)


def test_separate_threads_stay_separate():
    th = t.build([mail("a", "a"), mail("b", "b"), mail("c", "c", in_reply_to="a")])
    assert th.root_map() == {"a": "a", "b": "b", "c": "a"}


def test_synthetic_ids_are_not_threadable():
    s = mail("synthetic.abc@ssg.invalid", "x", in_reply_to="a", synthetic=True)
    th = t.build([mail("a", "a"), s])
    assert th.root_map()["synthetic.abc@ssg.invalid"] == "synthetic.abc@ssg.invalid"
    assert t.chain(s) == ()


def test_self_reference_and_cycles_do_not_hang():  # edge 48
    me = mail("m", "x", in_reply_to="m", references=("m", "r"))
    assert t.chain(me) == ("r",)
    a = mail("a", "x", in_reply_to="b")
    b = mail("b", "x", in_reply_to="a")
    roots = t.build([a, b]).root_map()
    assert roots == {"a": "a", "b": "a"}


def test_known_earlier_messages_join_threads():
    new = mail("p3", "x", in_reply_to="p2")
    th = t.build([new], known={"p2": "cover", "cover": "cover"})
    assert th.root_map() == {"p3": "cover"} and th.ghosts == ()


def test_duplicates_first_copy_wins_and_conflicts_recorded():  # edges 44, 45
    first = mail("d", subject("x", index=1, expected=1), diff=True, text="v1")
    same = mail("d", subject("x", index=1, expected=1), diff=True, text="v1", commit_salt="2")
    other = mail("d", subject("y", index=1, expected=1), diff=True, text="changed", commit_salt="3")
    dd = t.dedupe([first, same, other])
    assert dd.mails == (first,)
    assert [d[2] for d in dd.duplicates] == [same.commit, other.commit]
    assert dd.conflicts == (("d", first.commit, other.commit),)


def test_order_independent():
    ms = [mail("r", "root"), mail("a", "x", in_reply_to="r"), mail("b", "x", in_reply_to="a",
                                                                     references=("r", "a")),
          mail("c", "x", in_reply_to="ghost"), mail("d", "x", in_reply_to="ghost2",
                                                    references=("ghost", "ghost2"))]
    expected = t.build(ms)
    for seed in range(5):
        shuffled = ms[:]
        random.Random(seed).shuffle(shuffled)
        assert t.build(shuffled) == expected
    assert expected.root_map()["d"] == "ghost" and expected.root_map()["c"] == "ghost"


def test_nearest_owner_walks_through_targets_and_survives_cycles():
    ms = [mail("p", "patch"), mail("r1", "x", in_reply_to="p"), mail("r2", "x", in_reply_to="r1"),
          mail("r3", "x", in_reply_to="ghost"), mail("c1", "x", in_reply_to="c2"),
          mail("c2", "x", in_reply_to="c1")]
    found = t.nearest_owner(ms, ["r2", "r1", "r3", "c1", "c2"], {"p": "S"})
    assert found == {"r1": "S", "r2": "S"}
    assert t.nearest_owner(ms, ["r3"], {"ghost": "EARLIER"}) == {"r3": "EARLIER"}
