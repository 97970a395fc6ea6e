"""The digest run: archive ranges → parsed mail → series → index → content/.

This module is the orchestration edge of the data half.  The build is declared
as ordered, named steps (``STEPS``) so that timing output is uniform; the work
of each step lives in the pure stage modules.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ssg import quiet, urls
from ssg.archive import Archive, Commit, Range
from ssg.config import Config
from ssg.digest import Digest, Period
from ssg.errors import ArchiveError, Problem
from ssg.identity import Identities
from ssg.index import Index
from ssg.model import Mail
from ssg.periods import cut
from ssg.writer import recover, write_all


@dataclass(frozen=True, slots=True)
class RangePlan:
    """One digest to (re)build."""

    period: Period
    path: str
    commits: tuple[Commit, ...]
    """The range's commits, oldest first."""
    replaces: str = ""
    """Content path of a draft this digest replaces, or empty."""


@dataclass
class RunReport:
    """What a digest run did (mutable while the run goes on)."""

    digests: list[str] = field(default_factory=list)
    messages: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    written: tuple[str, ...] = ()
    unchanged: int = 0
    kept: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    last: Digest | None = None


def reference_time() -> int:
    """Now, or SOURCE_DATE_EPOCH for reproducible runs."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else int(time.time())


def open_archive(cfg: Config, log: Callable[[str], None] = print) -> Archive:
    """Open the configured archive, importing the configured mbox on first use."""
    if not cfg.archive.path:
        raise ArchiveError("no archive configured: set [archive] path in ssg.toml", location=cfg.config_file)
    path = Path(cfg.archive.path)
    if cfg.archive.mbox:
        from ssg.inbox import import_mailbox

        marker = path / "ssg-imported-from"
        source = Path(cfg.archive.mbox)
        stamp = f"{source}:{source.stat().st_size if source.exists() else 0}"
        if not marker.is_file() or marker.read_text("utf-8") != stamp:
            report = import_mailbox(source, path)
            marker.write_text(stamp, "utf-8")
            log(f"imported {report.added} messages from {source.name} into {path}")
    return Archive.open(path)


def _last_digest(idx: Index, content: Path) -> dict | None:
    rows = [r for r in idx.digests() if (content / r["path"]).is_file()]
    return rows[-1] if rows else None


def _periods(archive: Archive, rng: Range, every: str, subdir: str, since: int, now: int,
             replaces: str) -> list[RangePlan]:
    every_commit = list(archive.commits(rng))
    kept = next((i for i, c in enumerate(every_commit) if c.committed >= since), None)
    if kept is None:
        return []
    commits = every_commit[kept:]
    prev = every_commit[kept - 1].commit if kept else rng.start
    plans: list[RangePlan] = []
    for c in cut([x.committed for x in commits], every, now):
        last = commits[c.last].commit
        chunk = commits[c.first:c.last + 1]
        epochs = tuple(sorted({x.epoch for x in chunk}))
        period = Period(prev, last, c.start, c.end, c.label, c.open, epochs)
        plans.append(RangePlan(period, f"{subdir}/{c.label}.md", tuple(chunk),
                               replaces if not plans else ""))
        prev = last
    return plans


def plan_ranges(archive: Archive, idx: Index, cfg: Config, spec: str | None, every: str,
                now: int, log: Callable[[str], None]) -> list[RangePlan]:
    """Which ranges become digests (explicit, since the last digest, or by period)."""
    subdir = cfg.digest.dir
    if spec:
        rng = archive.resolve(spec)
        return [_explicit(archive, rng, subdir, now)] if rng.end else []
    last = _last_digest(idx, cfg.path(cfg.docs_dir))
    start, replaces = "", ""
    if last:
        start = last["to_commit"]
        if last["draft"]:
            start, replaces = last["from_commit"], last["path"]
    tip = archive.tip()
    if not tip or start == tip:
        return []
    if start:
        try:
            ancestor = archive.is_ancestor(start, tip)
        except ArchiveError:  # the commit is gone altogether (a fresh clone of a rewritten mirror)
            base = _at_time(archive, last["end"] if last else 0)
            log(f"warning: commit {start[:12]} is not in the archive any more; continuing from "
                f"{base[:12] or 'the beginning'}, the last commit that arrived before the last digest ended")
            start = base
        else:
            if not ancestor:
                base = archive.merge_base(start, tip)
                log(f"warning: commit {start[:12]} is no longer an ancestor of the tip {tip[:12]} "
                    f"(history rewritten); continuing from the merge-base {base[:12] or 'root'}")
                start = base
    rng = archive.resolve(f"{start}..{tip}" if start else None)
    if every == "none":
        return [_explicit(archive, rng, subdir, now, replaces)]
    since = 0
    if cfg.digest.since and not start:
        import datetime as dt

        d = dt.date.fromisoformat(cfg.digest.since)
        since = int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc).timestamp())
    return _periods(archive, rng, every, subdir, since, now, replaces)


def _at_time(archive: Archive, when: int) -> str:
    """The newest commit that arrived at or before ``when`` (empty if none)."""
    found = ""
    for c in archive.commits(archive.resolve(None)):
        if c.committed > when:
            break
        found = c.commit
    return found


def _explicit(archive: Archive, rng: Range, subdir: str, now: int, replaces: str = "") -> RangePlan:
    from ssg.content import day  # (here and below: a run with nothing new never imports them)

    commits = tuple(archive.commits(rng))
    times = [c.committed for c in commits]
    start, end = (min(times), max(times)) if times else (0, 0)
    period = Period(rng.start, rng.end, start, end, "", False, rng.epochs)
    return RangePlan(period, urls.digest_path(day(start), rng.start, rng.end, subdir), commits, replaces)


def inputs(cfg: Config, ids: Identities) -> str:
    """Fingerprint of what every past digest's pages were made with besides the mail:
    who is who (mailmap, aliases, organisations, bots, address display), the top
    tables' size, the list's name and archive URL.  When it changes, the index is
    made anew and the whole archive digested again, so no page keeps the old one."""
    parts = (ids.mailmap, ids.aliases, ids.organisations, cfg.people.bots, cfg.people.obfuscate_emails,
             cfg.digest.top, cfg.archive.list, cfg.archive.url)
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def run(cfg: Config, *, spec: str | None = None, every: str | None = None, force: bool = False,
        write: bool = True, log: Callable[[str], None] = print,
        progress: Callable[[int, int, str], None] | None = None,
        staged: Callable[[str, Path], None] | None = None,
        expect: Callable[[], None] | None = None) -> RunReport:
    """Digest every planned range, update the index, then write content/ in one batch
    (``staged``: see ``writer.write_all``; ``expect()`` is called once the run knows
    it has new ranges, before their pages are staged)."""
    report = RunReport()
    content = cfg.path(cfg.docs_dir)
    recover(content)
    ids = Identities.load(cfg.people)
    t0 = time.perf_counter()
    with open_archive(cfg, log) as archive, Index(cfg.path(cfg.cache_dir) / "index.sqlite3",
                                                  inputs(cfg, ids)) as idx:
        if idx.renewed:
            log("people or digest settings changed: digesting the whole archive again")
        if write:
            _drop_unwritten(idx, content)
        plans = plan_ranges(archive, idx, cfg, spec, every or cfg.digest.every, reference_time(), log)
        report.timings["plan"] = time.perf_counter() - t0
        if plans and expect is not None:
            expect()
        touched = Touched()
        with idx.transaction(keep=write):
            for n, (plan, mails) in enumerate(_mails_by_plan(archive, plans), 1):
                if progress:
                    progress(n, len(plans), plan.path)
                digest = _one_range(cfg, idx, ids, plan, mails, touched, report)
                report.digests.append(plan.path)
                report.last = digest
            if touched.redo:
                _redo(cfg, archive, idx, ids, touched, report)
        report.problems.extend(archive.problems)
        report.timings["digest"] = time.perf_counter() - t0 - report.timings["plan"]
        if not write or (not plans and not force and quiet.still(idx, cfg, content)):
            return report
        from ssg.assemble import stale_pages  # (not before: a quiet run never imports the pages)
        from ssg.page_work import pages_for

        t1 = time.perf_counter()
        removed = [p.replaces for p in plans if p.replaces and p.replaces not in touched.digest_paths]

        def removals(produced: set[str]) -> list[str]:
            return removed + (stale_pages(content, idx, produced) if touched.collect else [])
        result = write_all(content, pages_for(cfg, idx, ids, touched, force), removals, force=force,
                           staged=staged)
        quiet.remember(idx, cfg, content, touched.index_pages, set(result.kept))
        report.timings["write"] = time.perf_counter() - t1
    report.written, report.unchanged = result.written, len(result.unchanged)
    report.kept, report.removed = result.kept, result.removed
    return report


def _redo(cfg: Config, archive: Archive, idx: Index, ids: Identities, touched: Touched,
          report: RunReport) -> None:
    """Rebuild every digest from the oldest one showing a now-deleted message, in
    order, so series, counts and pages no longer show it."""
    rows = idx.digests()
    first = min(r["start"] for r in rows if r["path"] in touched.redo)
    again = [r for r in rows if r["start"] >= first]
    for r in again:
        idx.drop_digest(r["path"])
    plans = []
    for r in again:
        rng = archive.resolve(f"{r['from_commit']}..{r['to_commit']}" if r["from_commit"] else f"..{r['to_commit']}")
        commits = tuple(archive.commits(rng))
        period = Period(r["from_commit"], r["to_commit"], r["start"], r["end"], r["data"].get("label", ""),
                        bool(r["draft"]), rng.epochs)
        plans.append(RangePlan(period, r["path"], commits))
    touched.redo.clear()
    for plan, mails in _mails_by_plan(archive, plans):
        _one_range(cfg, idx, ids, plan, mails, touched, report)
        if plan.path not in report.digests:
            report.digests.append(plan.path)


def _drop_unwritten(idx: Index, content: Path) -> None:
    """Forget digests the index holds but content/ does not (a run stopped
    between updating the index and writing the pages): they are redone."""
    top = f"{content}/"
    gone = [path for path in idx.digest_paths() if not os.path.isfile(top + path)]
    if gone:
        with idx.transaction():
            for path in gone:
                idx.drop_digest(path)


@dataclass
class Touched:
    """Pages whose inputs changed during this run."""

    digests: dict[str, Digest] = field(default_factory=dict)
    redo: set[str] = field(default_factory=set)
    """Digests written earlier that show a message deleted since: they are rebuilt."""
    series: set[str] = field(default_factory=set)
    collect: bool = False
    """Pages may have lost their subject (a deletion): remove generated pages nobody produces."""
    authors: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    index_pages: list[str] = field(default_factory=list)
    """The index pages written (home, digest, author and domain lists: ``quiet``)."""

    @property
    def digest_paths(self) -> set[str]:
        return set(self.digests)


def _mails_by_plan(archive: Archive, plans: list[RangePlan]) -> Iterator[tuple[RangePlan, list[Mail]]]:
    """Parse every planned commit in one stream (two processes for big runs) and
    hand the mail out range by range, in order."""
    if not plans:
        return
    from ssg.workers import parse_commits

    total = sum(len(p.commits) for p in plans)
    stream = parse_commits(archive, (c for p in plans for c in p.commits), total)
    i, batch, members = 0, [], [{c.commit for c in p.commits} for p in plans]
    for mail in stream:
        while i < len(plans) and mail.commit not in members[i]:
            yield plans[i], batch
            i, batch = i + 1, []
        batch.append(mail)
    while i < len(plans):
        yield plans[i], batch
        i, batch = i + 1, []


def _one_range(cfg: Config, idx: Index, ids: Identities, plan: RangePlan, mails: list[Mail],
               touched: Touched, report: RunReport) -> Digest:
    from ssg.rangework import process_range

    report.messages += len(mails)
    if plan.replaces:
        idx.drop_digest(plan.replaces)
    digest = process_range(cfg, idx, ids, plan.path, plan.period, mails, touched)
    for m in mails:
        report.problem_count += len(m.problems)
        if len(report.problems) < 2000:
            report.problems.extend(m.problems)
    return digest
