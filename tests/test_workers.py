"""Parsing and series pages in worker processes give the same content/ as in-process work."""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from ssg import assemble, page_work, workers
from ssg.errors import SsgError
from tests.test_pipeline import DAY, MONDAY, add, mail, run, site, snapshot, week_of_mail


def _archive(tmp_path):
    mails = []
    for w in range(6):
        mails += week_of_mail(MONDAY + w * 7 * DAY, f"w{w}")
    mails.insert(5, mail("Re: [PATCH 1/2] demo: w0 part 1", "late@fabrikam.com", MONDAY + 8 * DAY,
                         "Acked-by: Eve <eve@fabrikam.com>\n", reply_to="p1-w0@contoso.com"))
    add(tmp_path, mails)
    return site(tmp_path)


@pytest.mark.skipif(not workers.parallel(), reason="needs two CPUs")
def test_worker_parsing_and_series_pages_match_in_process_work(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MONDAY + 60 * DAY))
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    assert run(_archive(one), "digest", "-q") == 0
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(workers, "CHUNK", 3)
    monkeypatch.setattr(assemble, "STREAM_ABOVE", 0)
    monkeypatch.setattr(page_work, "SERIES_CHUNK", 2)
    monkeypatch.setattr(page_work, "CHUNKS", {"digests": 2, "authors": 1, "domains": 1})
    assert run(_archive(two), "digest", "-q") == 0
    got, want = snapshot(two / "content"), snapshot(one / "content")
    assert any(p.startswith("series/") for p in want)
    assert got == want


def test_ordered_map_keeps_order():
    assert list(workers.ordered_map(_twice, range(-20, 0), ahead=3)) == [x for n in range(20, 0, -1) for x in (n, n)]


def test_ordered_map_of_nothing_and_of_one_task():
    assert list(workers.ordered_map(_twice, [])) == []
    assert list(workers.ordered_map(_twice, [7])) == [7, 7]


def _twice(n: int) -> list[int]:
    return [abs(n)] * 2


def test_closing_early_stops_the_workers():
    results = workers.ordered_map(_twice, range(100), ahead=4)
    procs = list(results.procs)
    assert next(results) == 0
    results.close()
    assert procs and not any(p.is_alive() for p in procs)
    assert list(results) == []


def test_no_helper_threads_in_the_main_process():
    before = threading.active_count()
    results = workers.ordered_map(_twice, range(50), ahead=4)
    assert threading.active_count() == before
    assert list(results) == [x for n in range(50) for x in (n, n)]


def _fail_on_five(n: int) -> list[int]:
    if n == 5:
        raise ValueError(f"bad task {n}")
    return [n]


def test_a_worker_error_is_raised_in_order_and_stops_the_workers():
    results = workers.ordered_map(_fail_on_five, range(20), ahead=4)
    procs = list(results.procs)
    assert [next(results) for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="bad task 5"):
        next(results)
    assert not any(p.is_alive() for p in procs)


def _init_twice(factor: int) -> None:
    _factor.append(factor)


_factor: list[int] = []


def _scaled(n: int) -> list[int]:
    return [n * _factor[0]]


def test_init_runs_in_each_worker_with_its_arguments():
    assert list(workers.ordered_map(_scaled, range(9), init=_init_twice, initargs=(3,))) == [n * 3 for n in range(9)]
    assert _factor == []  # only in the workers


def _die_on_three(n: int) -> list[int]:
    if n == 3:
        os._exit(1)
    return [n]


def test_a_worker_that_dies_is_an_error_not_a_hang():
    results = workers.ordered_map(_die_on_three, range(10), ahead=2)
    procs = list(results.procs)
    with pytest.raises(SsgError, match="worker process stopped"):
        list(results)  # its last results may not have been sent: the error comes at the first one missing
    assert not any(p.is_alive() for p in procs)


@pytest.mark.skipif(not workers.parallel(), reason="needs two CPUs")
def test_pages_staged_by_workers_keep_hand_edits_unless_forced(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MONDAY + 60 * DAY))
    monkeypatch.setattr(assemble, "STREAM_ABOVE", 0)
    monkeypatch.setattr(page_work, "SERIES_CHUNK", 2)
    cfg = _archive(tmp_path)
    assert run(cfg, "digest", "-q") == 0
    content = tmp_path / "content"
    pages = [sorted(content.glob(f"{d}/*.md"))[1] for d in ("series", "authors", "digests")]
    edited = {p: p.read_text().replace("\n---\n", "\n---\n\nEditor's note.\n", 1) for p in pages}
    for p, text in edited.items():
        p.write_text(text)
    shutil.rmtree(tmp_path / ".ssg-cache")  # everything again, in the workers
    assert run(cfg, "digest", "-q") == 0
    assert {p: p.read_text() for p in pages} == edited
    assert not (content / ".ssg-txn").exists()
    shutil.rmtree(tmp_path / ".ssg-cache")
    assert run(cfg, "digest", "-q", "--force") == 0
    assert not any("Editor's note" in p.read_text() for p in pages)
