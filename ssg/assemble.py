"""Gather the pages a digest run touched from the index into ContentFiles.

Reads the index (the data edge) and hands plain values to the pure page
functions in ``content``, ``series_page``, ``people_pages`` and ``home_pages``.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ssg import jsontext, people_data, urls
from ssg.config import Config
from ssg.content import Context
from ssg.diffstat import format_diffstat
from ssg.digest import Digest
from ssg.home_pages import DigestRef
from ssg.identity import Identities
from ssg.index import Index
from ssg.model import Address
from ssg.people_pages import (DomainInfo, PatchRef, Person, SeriesRef, author_page, author_year_page, domain_page,
                               domain_year_page, year_counts)
from ssg.series_page import SeriesPage, series_page
from ssg.writer import ContentFile


def digest_json(d: Digest) -> dict[str, Any]:
    """The machine-readable digest (schema 1)."""
    def person(a: Address) -> dict[str, str]:
        return {"name": a.name, "email": a.email}

    series = []
    for v in d.series:
        s = v.series
        series.append({
            "id": s.id, "title": s.title, "subject": s.subject, "version": s.version, "expected": s.expected,
            "kind": s.kind, "new": v.new, "flags": list(s.flags), "missing": list(s.missing),
            "cover": {"message_id": s.cover} if s.cover else None,
            "patches": [{"index": p.index, "message_id": p.message_id, "title": p.title, "author": person(p.author),
                         "diffstat": {"files": p.diffstat.changed, "insertions": p.diffstat.insertions,
                                      "deletions": p.diffstat.deletions}} for p in v.patches],
            "submitter": person(v.submitter), "previous": s.previous or None, "page": v.path,
            "text": v.text, "diffstat_text": format_diffstat(v.diffstat) if v.diffstat.files else "",
            "cover_diffstat_text": v.cover_diffstat_text})
    p = d.period
    return {
        "schema": 1, "list": d.list_name, "title": d.title, "draft": p.draft,
        "range": {"from": p.from_commit, "to": p.to_commit},
        "period": {"start": p.start, "end": p.end, "label": p.label},
        "counts": dict(d.counts),
        "top_domains": [{"domain": r.domain, "organisation": r.organisation, "count": r.count} for r in d.top_domains],
        "top_contributors": [{"name": r.name, "email": r.email, "count": r.count} for r in d.top_contributors],
        "series": series,
        "messages": [{"message_id": m, "commit": c, "class": k, "series": s or None} for m, c, k, s in d.messages],
        "reviews": [{"message_id": r.message_id, "target": r.target, "tag": r.tag, "reviewer": person(r.reviewer)}
                    for r in d.reviews],
    }


def json_file(path: str, d: Digest) -> ContentFile:
    return ContentFile(path[:-3] + ".json", jsontext.dumps(digest_json(d), indent=1) + "\n")


def people_rows(idx: Index) -> list[tuple[str, Address, tuple[str, ...], int, int]]:
    """(key, most used name and address, domains by use, submissions, reviews) for everyone."""
    names: dict[str, Counter] = defaultdict(Counter)
    doms: dict[str, Counter] = defaultdict(Counter)
    subs: Counter = Counter()
    revs: Counter = Counter()
    for key, name, email, domain, n, submitted in idx.db.execute(
            "SELECT author_key, author_name, author_email, author_domain, COUNT(*),"
            f" SUM({people_data.SUBMITTED}) FROM messages"
            " WHERE author_key != '' GROUP BY author_key, author_name, author_email, author_domain"):
        names[key][(name, email)] += n
        if domain:
            doms[key][domain] += n
        if submitted:
            subs[key] += submitted
    for key, name, email, n in idx.db.execute(
            "SELECT reviewer_key, json_extract(data, '$.reviewer[0]'), json_extract(data, '$.reviewer[1]'), COUNT(*)"
            " FROM reviews GROUP BY 1, 2, 3"):
        names[key][(name, email)] += n
        revs[key] += n
    out = []
    for key in sorted(set(subs) | set(revs)):
        c = names.get(key) or Counter({("", ""): 1})
        who = Address(*min(c, key=lambda n: (-c[n], n)))
        d = doms.get(key, Counter())
        out.append((key, who, tuple(sorted(d, key=lambda x: (-d[x], x))), subs[key], revs[key]))
    return out


def year_pages(idx: Index) -> set[str]:
    """Every author and domain year page the index holds entries for (see
    ``Pages.person`` and ``Pages.domain`` for what a year page lists)."""
    dates = dict(idx.db.execute("SELECT id, date FROM series").fetchall())
    out = {urls.author_year_path(k, urls.year_of(d)) for k, d in idx.db.execute("SELECT submitter_key, date FROM series")
           if k}
    for key, sid, date, domain, cls in idx.db.execute(
            "SELECT author_key, series_id, date, author_domain, class FROM messages WHERE series_id != ''"
            f" AND author_key != '' AND {people_data.SUBMITTED}"):
        if sid in dates:
            if cls == "patch":
                out.add(urls.author_year_path(key, urls.year_of(date)))
            if domain:
                out.add(urls.domain_year_path(domain, urls.year_of(dates[sid])))
    for key, sid, data in idx.db.execute("SELECT reviewer_key, series_id, data FROM reviews WHERE series_id != ''"):
        if sid in dates and key:
            out.add(urls.author_year_path(key, urls.year_of(json.loads(data).get("date", 0))))
    return out


@dataclass(frozen=True, slots=True)
class Fresh:
    """What a run changed.  A person's or domain's year page holding none of it
    is not produced again (it would come out byte-identical), unless missing."""

    digests: frozenset[str]
    series: frozenset[str]
    everything: bool
    """Deletions happened: entries may have left any year."""
    content: Path | None = None

    def has(self, digest: str, series_id: str) -> bool:
        return self.everything or digest in self.digests or series_id in self.series

    def due(self, path: str, years: set[int], year: int) -> bool:
        return self.everything or year in years or self.content is None or not (self.content / path).is_file()


EVERYTHING = Fresh(frozenset(), frozenset(), True)


@dataclass(frozen=True, slots=True)
class Listed:
    """A series as person and domain pages list it, with what ``Fresh`` asks of it."""

    id: str
    digest: str
    ref: SeriesRef


def _kept(memo: dict[str, Any], ids: Iterable[str], fetch: Callable[[list[str]], dict[str, Any]]) -> dict[str, Any]:
    """What ``memo`` holds for these ids, by id, after ``fetch`` was asked once for
    those it did not know yet (an id ``fetch`` does not find is remembered as None,
    and left out)."""
    ids = list(ids)
    missing = [i for i in ids if i and i not in memo]
    if missing:
        found = fetch(missing)
        for i in missing:
            memo[i] = found.get(i)
    return {i: v for i in ids if (v := memo.get(i)) is not None}


def _grouped(rows: Iterator[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Consecutive rows with the same series_id, as (series_id, rows)."""
    for sid, group in itertools.groupby(rows, key=lambda r: r["series_id"]):
        yield sid, list(group)


class Pages:
    """Page gathering over one index snapshot."""

    def __init__(self, cfg: Config, idx: Index, ids: Identities) -> None:
        self.cfg, self.idx, self.ids = cfg, idx, ids
        self.ctx = Context(cfg.archive.list, cfg.archive.url, cfg.people.obfuscate_emails)
        self.digests = idx.digests()
        self.titles = {d["path"]: d["data"]["title"] for d in self.digests}
        self._series: dict[str, dict[str, Any] | None] = {}
        self._listed: dict[str, Listed | None] = {}
        self._versions: dict[str, tuple[str, str, str] | None] = {}
        self._next: dict[str, str | None] = {}

    def preload(self) -> None:
        """Read every series in one pass, for a run that asks for most of them (a first
        build's page workers): what the fetches by id would keep, without their queries."""
        rows = self.idx.all_series()  # by date, then id
        self._series = {r["id"]: r for r in rows}
        self._versions = {r["id"]: (r["data"].get("previous") or "", r["data"]["version"], r["path"]) for r in rows}
        later: dict[str, str] = {}
        for r in rows:
            if r["data"].get("previous"):
                later.setdefault(r["data"]["previous"], r["id"])  # the earliest naming it
        self._next = {**dict.fromkeys(self._series), **later}
        for r in rows:
            d = r["data"]
            ref = SeriesRef(r["path"], d["title"], d["version"], r["date"], len(d["patches"]), d["expected"],
                            r["submitter_key"], Address(*d["submitter"]))
            self._listed[r["id"]] = Listed(r["id"], r["digest"], ref)

    def series(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The series rows of these ids that exist, by id.  Fetched when first asked
        for and kept: a run touching a few people and domains reads their series, not
        every series in the archive."""
        return _kept(self._series, ids, lambda m: {r["id"]: r for r in self.idx.series_where("id", m)})

    def listed(self, ids: Iterable[str]) -> dict[str, Listed]:
        """How the series of these ids that exist are listed on person and domain
        pages, by id (fetched when first asked for, then kept)."""
        return _kept(self._listed, ids, lambda m: {s.id: s for s in self._listing("id", m)})

    def _listing(self, column: str, values: list[str]) -> list[Listed]:
        """The listings of the series whose ``column`` is one of ``values``, by date
        (kept for ``listed``)."""
        out = []
        for sid, path, digest, date, submitter_key, (title, version, expected, submitter), n in \
                self.idx.series_listing(column, values):
            if self._listed.get(sid) is None:
                ref = SeriesRef(path, title, version, date, n, expected, submitter_key, Address(*submitter))
                self._listed[sid] = Listed(sid, digest, ref)
            out.append(self._listed[sid])
        return out

    def series_stream(self, sids: list[str]) -> Iterator[ContentFile]:
        """Series pages for ``sids`` in this process; many at once are read in
        one streaming pass over the index instead of one query each."""
        if len(sids) <= STREAM_ABOVE:
            for sid in sids:
                f = self.series_file(sid)
                if f:
                    yield f
            return
        wanted = set(sids)
        self.preload()
        msgs = _grouped(self.idx.rows("SELECT * FROM messages WHERE series_id != '' ORDER BY series_id, date, message_id"))
        revs = _grouped(self.idx.rows("SELECT * FROM reviews WHERE series_id != ''"
                                      " ORDER BY series_id, message_id, tag, reviewer_key"))
        in_digests = self.idx.all_series_digests()
        rev_sid, rev_rows = next(revs, ("", []))
        for sid, rows in msgs:
            while rev_sid and rev_sid < sid:
                rev_sid, rev_rows = next(revs, ("", []))
            if sid in wanted:
                f = self.series_file(sid, rows, rev_rows if rev_sid == sid else [], in_digests)
                if f:
                    yield f

    def version_facts(self, ids: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """(previous, version, path) of the series of these ids that exist (fetched when
        first asked for, then kept)."""
        return _kept(self._versions, ids, self.idx.version_facts)

    def next_versions(self, ids: Iterable[str]) -> dict[str, str]:
        """Series id → the earliest series naming it as its previous version, for the
        ids some series names (fetched when first asked for, then kept)."""
        return _kept(self._next, ids, self.idx.next_versions)

    def versions(self, sid: str) -> tuple[tuple[str, str, str], ...]:
        """(id, version, page) of every version of the series, oldest first: back
        along ``previous``, then forward to the earliest series naming the last one."""
        chain: list[tuple[str, str, str]] = []
        cur, seen = sid, set()
        while cur and cur not in seen and (facts := self.version_facts([cur]).get(cur)):
            seen.add(cur)
            chain.insert(0, (cur, facts[1], facts[2]))
            cur = facts[0]
        cur = sid
        while (cur := self.next_versions([cur]).get(cur, "")) and cur not in seen:
            seen.add(cur)
            _, version, path = self.version_facts([cur])[cur]
            chain.append((cur, version, path))
        return tuple(chain)

    def series_file(self, sid: str, msgs: list | None = None, revs: list | None = None,
                    where: dict[str, list[str]] | None = None) -> ContentFile | None:
        row = self.series([sid]).get(sid)
        if row is None:
            return None
        msgs = tuple(self.idx.messages_where("series_id", [sid]) if msgs is None else msgs)
        revs = tuple(self.idx.reviews_where("series_id", [sid]) if revs is None else revs)
        where = self.idx.series_digests([sid]) if where is None else where
        digests = tuple((p, self.titles.get(p, p)) for p in where.get(sid, []))
        return series_page(SeriesPage(row["data"], msgs, revs, digests, self.versions(sid)), self.ctx)

    def person(self, key: str, fresh: Fresh = EVERYTHING) -> tuple[Person, list[int]]:
        """The person, with the entries (newest first) of the latest year and of the
        years due again (``Fresh.due``: holding anything ``fresh``, or missing), and those years."""
        series, patches, reviews = people_data.person_dates(self.idx, key)
        tally = year_counts(series, patches, reviews)
        changed = {urls.year_of(r.date) for r in (*series, *patches, *reviews)
                   if fresh.has(r.digest, r.series_id)}
        years = [y for y, *_ in tally]
        due = [y for y in years if fresh.due(urls.author_year_path(key, y), changed, y)]
        shown = set(due) | set(years[:1])
        who, domains = people_data.person_names(self.idx, key)
        if not shown:
            return Person(key, who, domains, (), (), ()), due
        span = people_data.year_span(shown)
        prows = [r for r in people_data.patches_in(self.idx, key, span) if urls.year_of(r[2]) in shown]
        rrows = [r for r in people_data.reviews_in(self.idx, key, span) if urls.year_of(r[1]) in shown]
        known = self.listed([r.series_id for r in series if urls.year_of(r.date) in shown]
                            + [r[1] for r in prows] + [r[0] for r in rrows])
        refs = sorted((known[r.series_id] for r in series if r.series_id in known and urls.year_of(r.date) in shown),
                      key=lambda s: (s.ref.date, s.id), reverse=True)
        listed = [s.ref for s in refs]
        patch_refs = [PatchRef(known[r[1]].ref.path, r[5], r[2], "", Address(r[3], r[4]))
                      for r in reversed(prows) if r[1] in known]
        review_refs = [PatchRef(known[r[0]].ref.path, known[r[0]].ref.title, r[1], r[2], Address(r[3], r[4]),
                                r[5] if r[5] != known[r[0]].ref.title else "")
                       for r in reversed(rrows) if r[0] in known]
        return Person(key, who, domains, tuple(listed), tuple(patch_refs), tuple(review_refs), tally), due

    def author_files(self, key: str, fresh: Fresh) -> Iterator[ContentFile]:
        """The person's page and the year pages holding anything fresh (or missing)."""
        p, due = self.person(key, fresh)
        yield author_page(p, self.ctx)
        for y in due:
            yield author_year_page(p, y)

    def people(self) -> list[tuple[str, Address, tuple[str, ...], int, int]]:
        return people_rows(self.idx)

    def domain(self, domain: str, people: list[tuple[str, Address, tuple[str, ...], int, int]],
               fresh: Fresh = EVERYTHING) -> tuple[DomainInfo, list[int]]:
        """The domain's people, its series (newest first) of the latest year and of the
        years due again (``Fresh.due``: holding anything ``fresh``, or missing), and those years."""
        counts = people_data.domain_people(self.idx, domain)
        who = {k: w for k, w, _, _, _ in people}
        members = tuple(sorted(((k, who.get(k, Address("", "")), c) for k, c in counts.items()),
                               key=lambda r: (-r[2], r[1].display().casefold(), r[0])))
        rows = people_data.domain_dates(self.idx, domain)  # (a series once per digest)
        dated = {r.series_id: r for r in rows}
        changed = {urls.year_of(r.date) for r in rows if fresh.has(r.digest, r.series_id)}
        tally = year_counts(dated.values())
        years = [y for y, _ in tally]
        due = [y for y in years if fresh.due(urls.domain_year_path(domain, y), changed, y)]
        shown = set(due) | set(years[:1])
        known = self.listed(sorted(sid for sid, r in dated.items() if urls.year_of(r.date) in shown))
        series = tuple(sorted((s.ref for s in known.values()), key=lambda r: (r.date, r.path), reverse=True))
        return DomainInfo(domain, self.ids.organisation(domain), members, series, tally), due

    def domain_files(self, domain: str, people: list[tuple[str, Address, tuple[str, ...], int, int]],
                     fresh: Fresh) -> Iterator[ContentFile]:
        """The domain's page and the year pages holding anything fresh (or missing)."""
        d, due = self.domain(domain, people, fresh)
        yield domain_page(d, self.ctx)
        for y in due:
            yield domain_year_page(d, y)

    def digest_refs(self) -> list[DigestRef]:
        return [DigestRef(d["path"], d["data"]["title"], d["data"].get("label", ""), d["start"], d["end"],
                          bool(d["draft"]), tuple(d["data"]["counts"].items())) for d in self.digests]


STREAM_ABOVE = 200
"""More series pages than this are assembled in one pass over the index (or,
with two CPUs, with the run's other pages in worker processes: ``page_work``)."""


def stale_pages(content: Path, idx: Index, produced: set[str]) -> list[str]:
    """Generated series, author and domain pages (and their year pages, and
    digest year lists) that nothing produces any more (their messages were
    deleted); the writer removes them unless edited by hand."""
    keep = set(produced) | set(idx.series_paths()) | year_pages(idx)
    for key, _, doms, subs, revs in people_rows(idx):
        keep.add(urls.author_path(key))
        keep.update(urls.domain_path(d) for d in doms)
    out = []
    for sub, pattern in ((urls.SERIES, "*.md"), (urls.AUTHORS, "*.md"), (urls.DOMAINS, "*.md"),
                         (urls.AUTHORS, "*/[0-9][0-9][0-9][0-9].md"), (urls.DOMAINS, "*/[0-9][0-9][0-9][0-9].md"),
                         (urls.DIGESTS, "[0-9][0-9][0-9][0-9]/index.md")):
        for path in sorted((content / sub).glob(pattern)):
            rel = path.relative_to(content).as_posix()
            if rel not in keep and rel != f"{sub}/index.md":
                out.append(rel)
    return out
