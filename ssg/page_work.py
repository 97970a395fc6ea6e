"""The pages one digest run produces: which, in what order, in which process.

The digests written, the series, people and domains the run touched, then the
indexes.  In a big run (a first build) every page but the indexes is made in
worker processes (``workers.ordered_map``, results in order, so the output is
the same as in this process) while the main process writes what comes back.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ssg import assemble
from ssg.assemble import Fresh, Pages, json_file
from ssg.config import Config
from ssg.content import digest_page
from ssg.digest import Digest
from ssg.home_pages import digests_index, digests_year_pages, home_page
from ssg.identity import Identities
from ssg.index import Index
from ssg.model import Address
from ssg.people_pages import authors_index, domains_index
from ssg.workers import ordered_map, parallel
from ssg.writer import ContentFile, Staged, stage

if TYPE_CHECKING:
    from ssg.pipeline import Touched

SERIES_CHUNK = 32
"""Series pages per worker task."""
CHUNKS = {"digests": 8, "authors": 16, "domains": 16}
"""Digests, people or domains per worker task."""


@dataclass(frozen=True, slots=True)
class Work:
    """What the run's pages are made from (inherited by the page workers)."""

    pages: Pages
    """Page gathering over the index (a worker swaps in its own read-only handle)."""
    digests: dict[str, Digest]
    """The digests written, by path."""
    fresh: Fresh
    """What the run changed (which year pages are due)."""
    people: list[tuple[str, Address, tuple[str, ...], int, int]]
    """Everyone, as ``assemble.people_rows`` gives them."""
    content: Path
    """docs_dir: a page worker stages its pages into the batch ``writer.write_all``
    is writing there (each path is made by one task only)."""
    force: bool = False
    """Overwrite hand edits (``write_all``'s ``force``)."""
    parent: int = 0
    """Process id of the main process (a worker stops staging when it is gone)."""


_work: list[Work] = []
"""In a page worker: its Work, its Pages reading through its own index handle."""


_folders: set[Path] = set()
"""In a page worker: the staging folders it made."""


def _page_worker(work: Work) -> None:
    work.pages.idx = Index.reader(work.pages.idx.path)
    work.pages.preload()  # a big run: most series are asked for
    _work.append(work)


def _page_chunk(task: tuple[str, list[str]]) -> list[Staged]:
    """The pages of one task, in a worker, as the in-process path makes them,
    staged for the batch (the main process only records what was decided)."""
    work = _work[0]
    kind, keys = task
    files = _series_chunk(work.pages, keys) if kind == "series" else _files(work, kind, keys)
    out = []
    for f in files:
        if os.getppid() != work.parent:  # the main process is gone: a later run owns the staging
            os._exit(1)
        out.append(stage(work.content, f, work.force, _folders))
    return out


def _files(work: Work, kind: str, keys: list[str]) -> Iterator[ContentFile]:
    pages = work.pages
    for key in keys:
        if kind == "digests":
            d = work.digests[key]
            yield digest_page(d, pages.ctx, pages.cfg.digest.top)
            yield json_file(key, d)
        elif kind == "authors":
            yield from pages.author_files(key, work.fresh)
        else:
            yield from pages.domain_files(key, work.people, work.fresh)


def _series_chunk(pages: Pages, sids: list[str]) -> list[ContentFile]:
    """Series pages for some sorted ids: as ``Pages.series_stream`` (a series with
    no message rows gets no page)."""
    msgs: dict[str, list[dict[str, Any]]] = {}
    for r in pages.idx.messages_where("series_id", sids):
        msgs.setdefault(r["series_id"], []).append(r)
    revs: dict[str, list[dict[str, Any]]] = {}
    for r in pages.idx.reviews_where("series_id", sids):
        revs.setdefault(r["series_id"], []).append(r)
    where = pages.idx.series_digests(sids)  # (the series rows and versions: preloaded by ``_page_worker``)
    out = []
    for sid in sids:
        if sid in msgs:
            f = pages.series_file(sid, msgs[sid], revs.get(sid, []), where)
            if f:
                out.append(f)
    return out


def _chunked(kind: str, keys: list[str], size: int) -> list[tuple[str, list[str]]]:
    return [(kind, keys[i:i + size]) for i in range(0, len(keys), size)]


def _run_pages(work: Work, sids: list[str], authors: list[str],
               domains: list[str]) -> Iterator[ContentFile | Staged]:
    """Digest, series, author and domain pages, in that order.  Many series
    pages (a big run): everything made and staged in worker processes, started
    at the call, results in order; else in this process, one page at a time."""
    digests = sorted(work.digests)
    if len(sids) > assemble.STREAM_ABOVE and parallel():
        tasks = (_chunked("digests", digests, CHUNKS["digests"]) + _chunked("series", sids, SERIES_CHUNK)
                 + _chunked("authors", authors, CHUNKS["authors"]) + _chunked("domains", domains, CHUNKS["domains"]))
        return ordered_map(_page_chunk, tasks, init=_page_worker, initargs=(work,))
    return _in_process(work, digests, sids, authors, domains)


def _in_process(work: Work, digests: list[str], sids: list[str], authors: list[str],
                domains: list[str]) -> Iterator[ContentFile]:
    for path in digests:
        yield from _files(work, "digests", [path])
        del work.digests[path]  # one digest model at a time need stay in memory
    yield from work.pages.series_stream(sids)
    yield from _files(work, "authors", authors)
    yield from _files(work, "domains", domains)


def pages_for(cfg: Config, idx: Index, ids: Identities, touched: "Touched",
              force: bool = False) -> Iterator[ContentFile | Staged]:
    """Every content file whose inputs changed in this run, plus the indexes,
    one at a time, for ``writer.write_all(docs_dir, …, force=force)``: the
    writer stages each as it comes, or records what a worker staged."""
    pages = Pages(cfg, idx, ids)
    for sid in list(touched.series):  # every version's page lists all versions: a new one touches them all
        touched.series.update(v for v, _, _ in pages.versions(sid))
    written_digests = set(touched.digests)
    content = cfg.path(cfg.docs_dir)
    fresh = Fresh(frozenset(written_digests), frozenset(touched.series), touched.collect, content)
    people = pages.people()
    work = Work(pages, touched.digests, fresh, people, content, force, os.getpid())
    files = _run_pages(work, sorted(touched.series), sorted(k for k in touched.authors if k),
                       sorted(d for d in touched.domains if d))  # may start working in other processes now
    try:
        yield from files
    finally:
        getattr(files, "close")()  # stops the workers even if the writer gave up early
    touched.digests.clear()
    domains: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, who, doms, subs, _ in people:
        if subs and doms:
            domains[doms[0]][0] += 1
            domains[doms[0]][1] += subs
    refs = [r for r in pages.digest_refs() if r.path in written_digests or (content / r.path).is_file()]
    for f in (authors_index(people), domains_index([(d, ids.organisation(d), n, c) for d, (n, c) in domains.items()]),
              digests_index(refs, cfg.archive.list), *digests_year_pages(refs, cfg.archive.list),
              home_page(refs, cfg.site_name, cfg.archive.list, cfg.site_description)):
        touched.index_pages.append(f.path)
        yield f
