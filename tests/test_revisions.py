"""Revision linking (MAIL-NOTES "Series grouping" 5; edges 35, 68, 74)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ssg import revisions as rv
from ssg.model import Address, Series
from tests.mailfactory import ALICE, BOB, T0

DAY = 86400


def make(sid: str, title: str, version: str = "1", *, who: Address = ALICE, date: int = T0,
         change_id: str = "", root: str = "", cover: str = "", patches: tuple[str, ...] = ()) -> Series:
    return Series(id=sid, kind="patch", title=title, subject=f"[PATCH] {title}", version=version,
                  expected=len(patches) or 1, cover=cover or f"{sid}-0",
                  patches=patches or (f"{sid}-1",), submitter=who,
                  thread_root=root or cover or f"{sid}-0", date=date, change_id=change_id)


def test_version_key_orders_numerically():
    versions = ["10", "8.1", "2", "1", "8", "7.2", "v3", ""]
    assert sorted(versions, key=rv.version_key) == ["1", "", "2", "v3", "7.2", "8", "8.1", "10"]
    assert rv.version_key("8.1") > rv.version_key("8") > rv.version_key("7.2")
    assert rv.version_key("garbage") == (1,)


def test_title_key():
    assert rv.title_key("  [RFC] Add  Widget support (v2)") == "add widget support"
    assert rv.title_key("net: mana: Add widget.") == rv.title_key("net: mana: add widget")
    assert rv.title_key("") == ""


def test_record_roundtrip_fields():
    s = make("s1", "Add widget", "3", change_id="20260101-widget-abc", patches=("a", "b"), cover="c")
    r = rv.record(s)
    assert (r.id, r.title_key, r.submitter, r.version, r.change_id) == (
        "s1", "add widget", "alice@example.org", "3", "20260101-widget-abc")
    assert r.message_ids == ("c", "a", "b") and r.expected == 2


def test_change_id_wins_over_title():  # edge 68
    v1 = make("s1", "Old title", "1", change_id="cid")
    other = make("s0", "New title", "1", date=T0 + 10)
    v2 = make("s2", "New title", "2", change_id="cid", date=T0 + DAY)
    assert rv.link_previous([v2], [rv.record(v1), rv.record(other)]) == {"s2": "s1"}


def test_title_and_submitter_with_lower_version():
    v1 = make("s1", "Add widget", "1")
    v2 = make("s2", "Add widget", "2", date=T0 + DAY)
    v3 = make("s3", "add widget", "3", date=T0 + 2 * DAY)
    bobs = make("s4", "Add widget", "2", who=BOB, date=T0 + DAY)
    earlier = [rv.record(x) for x in (v1, v2, bobs)]
    assert rv.link_previous([v3], earlier) == {"s3": "s2"}
    assert rv.link_previous([v2], [rv.record(v1)]) == {"s2": "s1"}
    # same version is a resend, not a revision; a higher version is never "previous"
    assert rv.link_previous([make("s5", "Add widget", "2", date=T0 + 3 * DAY)], [rv.record(v2)]) == {}
    assert rv.link_previous([v1], [rv.record(v2)]) == {}


def test_v2_posted_in_the_v1_thread():  # edge 35
    v1 = make("s1", "Add widget", "1", cover="v1-0")
    v2 = make("s2", "Widget support, reworked", "2", root="v1-0", date=T0 + DAY)
    assert rv.link_previous([v2], [rv.record(v1)]) == {"s2": "s1"}


def test_point_versions():  # edge 74
    v8 = make("s8", "Feature", "8")
    v81 = make("s81", "Feature", "8.1", date=T0 + DAY)
    v72 = make("s72", "Feature", "7.2", date=T0 - DAY)
    assert rv.link_previous([v81], [rv.record(v72), rv.record(v8)]) == {"s81": "s8"}


def test_unrelated_series_are_not_linked():
    assert rv.link_previous([make("s2", "B", "2")], [rv.record(make("s1", "A", "1"))]) == {}


@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["1", "2", "2.1", "3"]),
                          st.integers(0, 5)), max_size=8, unique_by=lambda t: t[0] + t[1]))
def test_links_point_to_strictly_lower_versions(specs):
    series = [make(f"s{i}", t, v, date=T0 + d * DAY) for i, (t, v, d) in enumerate(specs)]
    records = [rv.record(s) for s in series]
    by_id = {s.id: s for s in series}
    for new, old in rv.link_previous(series, records).items():
        assert rv.version_key(by_id[old].version) < rv.version_key(by_id[new].version)
        assert by_id[old].date <= by_id[new].date


def test_same_name_other_address():
    v1 = make("s1", "Add widget support", "1", who=Address("Hana Hill", "hana@corp.example"))
    v2 = make("s2", "Add widget support", "2", who=Address("Hana Hill", "hh@other.example"), date=T0 + DAY)
    stranger = make("s3", "Add widget support", "3", who=Address("", "x@y.example"), date=T0 + 2 * DAY)
    assert rv.link_previous([v2, stranger], [rv.record(v1)]) == {"s2": "s1"}
    assert rv.name_key(Address("a@b.c", "a@b.c")) == ""
