"""people_data: what author and domain pages read from the index, and a person or
domain gathered for some years only gives the pages gathered from everything."""

from __future__ import annotations

import calendar

import pytest

from ssg import people_data, urls
from ssg.assemble import EVERYTHING, Fresh, Pages
from ssg.config import build as build_config
from ssg.identity import Identities
from ssg.index import Index
from ssg.people_pages import author_page, author_year_page, domain_page, domain_year_page, year_counts


def ts(year: int, month: int = 6, day: int = 1) -> int:
    return calendar.timegm((year, month, day, 12, 0, 0))


def message(mid: str, date: int, *, key: str = "ada@x", cls: str = "patch", sid: str = "s1", digest: str = "d1.md",
            title: str = "T", name: str = "Ada Ø", email: str = "ada@contoso.com") -> dict:
    return {"message_id": mid, "commit": "c", "class": cls, "series_id": sid, "digest": digest, "date": date,
            "thread_root": mid, "author_key": key, "sender_key": key, "author_name": name, "author_email": email,
            "author_domain": email.rpartition("@")[2], "data": {"title": title, "author": [name, email]}}


def series(sid: str, date: int, *, key: str = "ada@x", digest: str = "d1.md", title: str = "S") -> dict:
    return {"id": sid, "path": f"series/{sid}.md", "digest": digest, "title_key": sid, "change_id": "",
            "submitter_key": key, "date": date,
            "data": {"title": title, "version": "1", "expected": 1, "submitter": ["Ada Ø", "ada@contoso.com"],
                     "patches": ["p"], "previous": ""}}


def review(mid: str, target: str, date: int, *, sid: str = "s1", digest: str = "d1.md", tag: str = "acked-by",
           key: str = "bo@y") -> dict:
    return {"message_id": mid, "target": target, "tag": tag, "reviewer_key": key, "series_id": sid, "digest": digest,
            "data": {"date": date, "reviewer": ["Bo", "bo@fabrikam.com"], "trailer": "Acked-by"}}


@pytest.fixture
def idx(tmp_path):
    """Ada's series and patches over 2024–2026 (one patch of a series that has no page),
    Bo's reviews of them, and a cover."""
    with Index(tmp_path / "i.sqlite3") as idx:
        idx.put_series([series("s1", ts(2024)), series("s2", ts(2025), digest="d2.md"),
                        series("s3", ts(2026, 1, 5), digest="d3.md", title="New <one>")])
        idx.put_messages([message("a@x", ts(2024), title="old"), message("b@x", ts(2025), sid="s2", digest="d2.md"),
                          message("c@x", ts(2026, 1, 5), sid="s3", digest="d3.md", title="Ü \"t\""),
                          message("c0@x", ts(2026, 1, 4), sid="s3", digest="d3.md", cls="cover"),
                          message("g@x", ts(2026), sid="gone", digest="d3.md"),
                          message("e@x", ts(2025), sid="s2", digest="d2.md", name="Ada", email="ada@fabrikam.com")])
        idx.put_reviews([review("r1@y", "a@x", ts(2024, 7)), review("r2@y", "c@x", ts(2026, 2), sid="s3",
                                                                    digest="d3.md"),
                         review("r3@y", "c0@x", ts(2026, 2), sid="s3", digest="d3.md", tag="reviewed-by"),
                         review("r4@y", "g@x", ts(2026, 3), sid="gone", digest="d3.md")])
        yield idx


def test_year_span_covers_exactly_the_years_as_year_of_sees_them():
    lo, hi = people_data.year_span([2025, 2023])
    assert (urls.year_of(lo), urls.year_of(hi)) == (2023, 2025)
    assert urls.year_of(lo - 1) == 2022 and urls.year_of(hi + 1) == 2026
    assert people_data.year_span([1970])[0] < -10 ** 15  # year_of clamps earlier dates to 1970
    assert people_data.year_span([9999])[1] > 10 ** 15


def test_dates_count_only_entries_of_listed_series(idx):
    series_, patches, reviews = people_data.person_dates(idx, "ada@x")
    assert sorted(r.series_id for r in series_) == ["s1", "s2", "s3"]
    assert sorted((r.series_id, r.digest) for r in patches) == [("s1", "d1.md"), ("s2", "d2.md"), ("s2", "d2.md"),
                                                                  ("s3", "d3.md")]
    assert year_counts(series_, patches) == ((2026, 1, 1), (2025, 1, 2), (2024, 1, 1))
    assert sorted(r.series_id for r in people_data.person_dates(idx, "bo@y")[2]) == ["s1", "s3", "s3"]
    who, domains = people_data.person_names(idx, "ada@x")
    assert (who.name, who.email) == ("Ada Ø", "ada@contoso.com") and domains == ("contoso.com", "fabrikam.com")
    assert people_data.domain_people(idx, "contoso.com") == {"ada@x": 5}
    assert sorted(r.series_id for r in people_data.domain_dates(idx, "contoso.com")) == ["s1", "s2", "s3"]


def test_entries_are_read_only_within_the_span_and_hold_what_the_rows_hold(idx):
    span = people_data.year_span([2026])
    got = people_data.patches_in(idx, "ada@x", span)
    assert [r[0] for r in got] == ["c@x", "g@x"] and got[0][5] == 'Ü "t"' and got[0][3:5] == ("Ada Ø", "ada@contoso.com")
    revs = people_data.reviews_in(idx, "bo@y", span)
    assert [(r[0], r[5]) for r in revs] == [("s3", 'Ü "t"'), ("s3", ""), ("gone", "T")]  # a cover's title is left out
    assert people_data.reviews_in(idx, "bo@y", people_data.year_span([2025])) == []


def pages_of(idx, fresh):
    cfg = build_config({"archive": {"path": "inbox", "list": "demo"}})
    pages = Pages(cfg, idx, Identities.load(cfg.people))
    people = pages.people()
    p, due = pages.person("ada@x", fresh)
    made = [author_page(p, pages.ctx)] + [author_year_page(p, y) for y in due]
    r, due = pages.person("bo@y", fresh)
    made += [author_page(r, pages.ctx)] + [author_year_page(r, y) for y in due]
    d, due = pages.domain("contoso.com", people, fresh)
    return made + [domain_page(d, pages.ctx)] + [domain_year_page(d, y) for y in due]


def test_pages_gathered_for_the_changed_year_equal_those_gathered_from_everything(idx, tmp_path):
    whole = {f.path: f.text for f in pages_of(idx, EVERYTHING)}
    content = tmp_path / "content"
    for path in whole:
        (content / path).parent.mkdir(parents=True, exist_ok=True)
        (content / path).write_text("old")
    some = pages_of(idx, Fresh(frozenset({"d3.md"}), frozenset(), False, content))
    assert {f.path for f in some} < set(whole)
    assert not [f.path for f in some if f.path.endswith(("/2024.md", "/2025.md"))]  # not made again
    assert all(f.text == whole[f.path] for f in some)
    ada = next(f.text for f in some if f.path == urls.author_path("ada@x", "Ada Ø"))
    assert "**3** series submitted · **4** patches authored" in ada and "2024.md" in ada and "New \\<one\\>" in ada
    (content / urls.author_year_path("ada@x", 2024)).unlink()  # a missing year page is made again
    again = pages_of(idx, Fresh(frozenset({"d3.md"}), frozenset(), False, content))
    assert urls.author_year_path("ada@x", 2024) in {f.path for f in again}
    assert all(f.text == whole[f.path] for f in again)
