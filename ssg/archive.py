"""The git boundary: public-inbox epochs and commit ranges → ``RawMessage`` streams.

With ``ssg.gitpipe`` (its git processes), the only code that reads archives.  An archive is either a
public-inbox v2 inbox directory (``git/0.git``, ``git/1.git`` … each epoch a bare
repository with its own root commit) or a single bare repository (v1, or one
epoch on its own).  Commits are listed with one ``git log --raw`` process per
epoch segment, and blobs are streamed through one persistent
``git cat-file --batch`` process per epoch (``gitpipe.CatFile``), with a bounded
window of requests in flight so neither pipe can fill up and deadlock.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ssg import pipes
from ssg.errors import ArchiveError, Problem
from ssg.gitpipe import ENV, READ_BUFFER, CatFile, run
from ssg.model import RawMessage

WINDOW = 1024
"""Blob requests in flight per read; 1024 × 41 bytes stays below a 64 KiB pipe."""
EPOCH_DIR = re.compile(r"^(\d+)\.git$")
HEX_ID = re.compile(r"^[0-9a-fA-F]{4,40}$")
NOT_AN_ARCHIVE = "expected a directory with git/N.git epochs or a bare git repository"
_LOG_ARGS = ("log", "--reverse", "--no-renames", "--no-abbrev", "--raw", "--root",
             "--no-color", "--no-decorate", "--format=C %H %ct %at")


@dataclass(frozen=True, slots=True)
class Epoch:
    """One epoch: a bare git repository holding one linear history."""

    number: int
    """Epoch number (``N`` of ``git/N.git``; 0 for a lone repository)."""
    git_dir: str
    """Absolute path of the bare repository."""
    head: str
    """40-hex newest commit, or empty when the epoch has no commits yet."""


@dataclass(frozen=True, slots=True)
class Segment:
    """The part of a range inside one epoch: ``start..end`` in git terms."""

    epoch: int
    """Epoch number."""
    start: str
    """Exclusive start commit (40-hex), or empty to start at the epoch's root."""
    end: str
    """Inclusive end commit (40-hex)."""


@dataclass(frozen=True, slots=True)
class Range:
    """A resolved commit range, possibly spanning several epochs."""

    start: str
    """Exclusive start commit (40-hex), or empty for "from the beginning"."""
    end: str
    """Inclusive end commit (40-hex), or empty for an archive without commits."""
    segments: tuple[Segment, ...] = ()
    """Per-epoch pieces, oldest epoch first; empty pieces are left out."""

    @property
    def epochs(self) -> tuple[int, ...]:
        """Epoch numbers the range touches."""
        return tuple(s.epoch for s in self.segments)


@dataclass(frozen=True, slots=True)
class Commit:
    """One archive commit as listed by ``git log --raw``."""

    epoch: int
    """Epoch number."""
    commit: str
    """40-hex commit id."""
    committed: int
    """Committer time (arrival), epoch seconds."""
    authored: int
    """Author time (the Date header), epoch seconds."""
    blob: str
    """Blob id of ``m`` (or ``d``); empty when the tree has neither."""
    deleted: bool = False
    """A v2 ``d`` commit (or a v1 removal): ``blob`` is the removed message."""


_Request = tuple[tuple[int, int], Commit]
"""A blob request in flight: ((epoch, reader slot), commit)."""


def _find_epochs(root: Path) -> list[tuple[int, Path]]:
    """Epoch repositories under ``root``: ``git/N.git`` or ``root`` itself."""
    git = root / "git"
    if git.is_dir():
        found = [(int(m.group(1)), p) for p in git.iterdir()
                 if (m := EPOCH_DIR.match(p.name)) and p.is_dir()]
        return sorted(found)
    if (root / "objects").is_dir() and (root / "HEAD").is_file():
        return [(0, root)]
    return []


def _head(git_dir: str) -> str:
    """Newest commit of an epoch: HEAD, else its first branch, else ``""``."""
    res = run(git_dir, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    if res.returncode == 0:
        return res.stdout.strip()
    res = run(git_dir, "for-each-ref", "--count=1", "--format=%(objectname)", "refs/heads")
    if res.returncode != 0:
        why = (res.stderr.strip().splitlines() or ["git failed"])[-1]
        raise ArchiveError(f"{git_dir} is not a readable git repository: {why}")
    return res.stdout.strip()


def _classify(changes: list[tuple[bytes, bytes, bytes, bytes]]) -> tuple[str, bool] | None:
    """Message blob and deletion flag from ``--raw`` lines; None when there are none."""
    if not changes:
        return None
    added = {path: dst for status, _src, dst, path in changes if status != b"D"}
    removed = {path: src for status, src, _dst, path in changes if status == b"D"}
    if b"m" in added:
        return added[b"m"].decode(), False
    if b"d" in added:
        return added[b"d"].decode(), True
    for path, dst in added.items():  # v1 (ssoma): the message lives at xx/yyyy…
        return dst.decode(), False
    for path, src in removed.items():  # v1 removal deletes the path
        if path not in (b"m", b"d"):
            return src.decode(), True
    return "", False


class Archive:
    """A public-inbox archive opened for reading (use ``Archive.open``)."""

    def __init__(self, path: Path, epochs: tuple[Epoch, ...], readers: int = 1) -> None:
        self.path = path
        self.epochs = epochs
        self.problems: list[Problem] = []
        """Commits skipped while reading (no ``m`` or ``d`` in the tree)."""
        self.readers = max(1, readers)
        """cat-file processes per epoch; requests alternate between them (default 1)."""
        self._cats: dict[tuple[int, int], CatFile] = {}
        self._busy = False
        self._sent = 0
        self._by_number = {e.number: e for e in epochs}
        self._located: dict[str, tuple[int, str]] = {}
        """``locate`` of full commit ids: an id names the same commit for the life of this object."""
        self._ancestry: dict[tuple[int, str, str], bool] = {}
        """``_ancestor_in`` answers (a commit's ancestors never change)."""

    # --- opening and closing ------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, readers: int = 1) -> Archive:
        """Open a v2 inbox directory or a single bare repository.

        ``readers=2`` runs two cat-file processes per epoch: zlib inflation in git
        is the bottleneck, so this is faster on a machine with cores to spare.
        """
        root = Path(path).expanduser().resolve()
        if not root.exists():
            raise ArchiveError(f"no public-inbox archive at {root}: the path does not exist; "
                               f"{NOT_AN_ARCHIVE} (run `ssg fetch` or `ssg import` first)")
        found = _find_epochs(root)
        if not found:
            raise ArchiveError(f"no public-inbox archive at {root}: {NOT_AN_ARCHIVE}")
        numbers = [n for n, _ in found]
        holes = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
        if holes:  # a mirror may start at a later epoch, but never skip one in the middle
            raise ArchiveError(f"epoch {holes[0]} is missing from the archive at {root} (git/{holes[0]}.git; "
                               f"found {', '.join(map(str, numbers))}): digests would have a gap; "
                               "restore it or run `ssg fetch`")
        epochs = tuple(Epoch(n, str(p), _head(str(p))) for n, p in found)
        return cls(root, epochs, readers)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- commits and ranges ---------------------------------------------------

    def tip(self) -> str:
        """Newest commit of the newest epoch that has commits."""
        newest = self._newest()
        if newest is None:
            raise ArchiveError(f"the archive at {self.path} has no commits yet")
        return newest[1]

    def locate(self, name: str) -> tuple[int, str]:
        """(epoch, 40-hex id) of a commit name; hex prefixes are looked up in every epoch."""
        name = name.strip()
        if not name or any(ch.isspace() for ch in name):
            raise ArchiveError(f"bad commit name {name!r}: give a commit id (hex) or HEAD")
        if name.upper() == "HEAD" and self._newest():
            return self._newest()  # type: ignore[return-value]
        if name in self._located:
            return self._located[name]
        hits: dict[str, list[int]] = {}
        for epoch in reversed(self.epochs):
            res = run(epoch.git_dir, "cat-file", "--batch-check",
                       stdin=f"{name}^{{commit}}\n{name}\n")  # the 2nd line tells "ambiguous"
            lines = res.stdout.splitlines()
            words = lines[0].split() if res.returncode == 0 and len(lines) == 2 else []
            if len(words) == 3 and words[1] == "commit":
                hits.setdefault(words[0], []).append(epoch.number)
                if not HEX_ID.match(name):
                    break  # a ref name: the newest epoch that has it wins
            elif words and lines[1].endswith(" ambiguous"):
                raise ArchiveError(f"commit id {name!r} is ambiguous in epoch {epoch.number}; "
                                   "give more hex digits")
        if not hits:
            raise ArchiveError(f"unknown commit {name!r} in the archive at {self.path}; "
                               "check the id (git log in the epoch) or run `ssg fetch`")
        if len(hits) > 1:
            raise ArchiveError(f"commit id {name!r} is ambiguous across epochs "
                               f"({', '.join(sorted(hits))}); give more hex digits")
        commit, numbers = next(iter(hits.items()))
        found = self._owner(commit, sorted(numbers)), commit
        if name == commit:  # (not a prefix or a ref name: those may come to mean another commit)
            self._located[name] = found
        return found

    def _owner(self, commit: str, numbers: list[int]) -> int:
        """The epoch whose history holds ``commit`` (objects may be shared)."""
        if len(numbers) > 1:
            for n in numbers:
                if self._ancestor_in(n, commit, self._by_number[n].head):
                    return n
        return numbers[0]

    def _merge_base(self, epoch: int, *args: str) -> subprocess.CompletedProcess[str]:
        res = run(self._by_number[epoch].git_dir, "merge-base", *args)
        if res.returncode > 1:
            raise ArchiveError(f"git merge-base failed in epoch {epoch}: {res.stderr.strip()}")
        return res

    def _ancestor_in(self, epoch: int, a: str, b: str) -> bool:
        if not b:
            return False
        if (epoch, a, b) not in self._ancestry:
            self._ancestry[epoch, a, b] = self._merge_base(epoch, "--is-ancestor", a, b).returncode == 0
        return self._ancestry[epoch, a, b]

    def _base_in(self, epoch: int, a: str, b: str) -> str:
        return self._merge_base(epoch, a, b).stdout.strip()

    def is_ancestor(self, a: str, b: str) -> bool:
        """True when ``a`` precedes ``b`` in the archive's history (across epochs too)."""
        (ea, ca), (eb, cb) = self.locate(a), self.locate(b)
        if ea == eb:
            return self._ancestor_in(ea, ca, cb)
        return ea < eb and self._ancestor_in(ea, ca, self._by_number[ea].head)

    def merge_base(self, a: str, b: str) -> str:
        """Where ``a`` and ``b`` meet; across epochs, the older one with its epoch's head."""
        (ea, ca), (eb, cb) = self.locate(a), self.locate(b)
        if ea == eb:
            return self._base_in(ea, ca, cb)
        epoch, older = (ea, ca) if ea < eb else (eb, cb)
        return self._base_in(epoch, older, self._by_number[epoch].head)

    def resolve(self, spec: str | None) -> Range:
        """``A..B``, ``A..``, ``..B``, a single commit (its history) or None (everything)."""
        text = (spec or "").strip()
        if "..." in text:
            raise ArchiveError(f"bad range {spec!r}: use A..B (two dots), A.. or ..B")
        a, _, b = text.rpartition("..") if ".." in text else ("", "", text)
        end = self.locate(b) if b else self._newest()
        if end is None:
            return Range("", "", ())
        start = self.locate(a) if a else None
        return Range(start[1] if start else "", end[1], self._segments(start, end))

    def _newest(self) -> tuple[int, str] | None:
        for epoch in reversed(self.epochs):
            if epoch.head:
                return epoch.number, epoch.head
        return None

    def _segments(self, start: tuple[int, str] | None, end: tuple[int, str]) -> tuple[Segment, ...]:
        se, sc = start if start else (-1, "")
        ee, ec = end
        if se > ee:
            raise ArchiveError(f"range start {sc} (epoch {se}) comes after its end {ec} "
                               f"(epoch {ee}); use --range {ec}..{sc}")
        if start and se == ee and not self._ancestor_in(se, sc, ec):
            raise self._diverged(se, sc, ec, ec)
        if start and se < ee and not self._ancestor_in(se, sc, self._by_number[se].head):
            raise self._diverged(se, sc, self._by_number[se].head, ec)
        segs = []
        for epoch in self.epochs:
            if epoch.number < max(se, 0) or epoch.number > ee or not epoch.head:
                continue
            first = sc if epoch.number == se else ""
            last = ec if epoch.number == ee else epoch.head
            if first != last:
                segs.append(Segment(epoch.number, first, last))
        return tuple(segs)

    def _diverged(self, epoch: int, a: str, b: str, end: str) -> ArchiveError:
        """The error for a start ``a`` that is not an ancestor of ``b`` (range end ``end``)."""
        base = self._base_in(epoch, a, b)
        if base == b == end:
            return ArchiveError(f"range start {a} comes after its end {b} in epoch {epoch}; "
                                f"use --range {b}..{a}")
        way = f"use --range {base}..{end}" if base else f"use --range ..{end}"
        return ArchiveError(
            f"range start {a} is not an ancestor of {b} in epoch {epoch} (history rewritten "
            f"by public-inbox-purge or -edit?); merge-base: {base or 'none'}; {way} to continue "
            "from where the histories meet")

    def commits(self, rng: Range) -> Iterator[Commit]:
        """Every commit of the range, oldest first across epochs."""
        for seg in rng.segments:
            yield from self._log(seg)

    def _log(self, seg: Segment) -> Iterator[Commit]:
        git_dir = self._by_number[seg.epoch].git_dir
        revs = [f"{seg.start}..{seg.end}"] if seg.start else [seg.end]
        err = tempfile.TemporaryFile()
        proc = subprocess.Popen(["git", f"--git-dir={git_dir}", *_LOG_ARGS, *revs, "--"],
                                stdout=subprocess.PIPE, stderr=err, env=ENV,
                                bufsize=READ_BUFFER)
        assert proc.stdout is not None
        pipes.widen(proc.stdout.fileno())
        try:
            head: bytes = b""
            changes: list[tuple[bytes, bytes, bytes, bytes]] = []
            for line in proc.stdout:
                if line.startswith(b":"):
                    meta, _, path = line.rstrip(b"\n").partition(b"\t")
                    parts = meta.split()
                    changes.append((parts[4][:1], parts[2], parts[3], path))
                elif line.startswith(b"C "):
                    if head:
                        yield self._commit(seg.epoch, head, changes)
                    head, changes = line, []
            if head:
                yield self._commit(seg.epoch, head, changes)
            if proc.wait() != 0:
                err.seek(0)
                said = err.read().decode("utf-8", "replace").strip().splitlines() or ["?"]
                raise ArchiveError(f"git log failed in epoch {seg.epoch} ({git_dir}): {said[-1]}; "
                                   "the repository may be corrupt (try git fsck)")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            err.close()

    def _commit(self, epoch: int, head: bytes, changes: list[tuple[bytes, bytes, bytes, bytes]]) -> Commit:
        _, commit, ct, at = head.split()
        sha = commit.decode()
        found = _classify(changes)
        if found is None:  # no change against the parent (or a merge): read the tree
            found = self._tree_entry(epoch, sha)
        return Commit(epoch, sha, int(ct), int(at), found[0], found[1])

    def _tree_entry(self, epoch: int, commit: str) -> tuple[str, bool]:
        res = run(self._by_number[epoch].git_dir, "ls-tree", commit)
        entries = dict(reversed(line.split("\t", 1)) for line in res.stdout.splitlines())
        for name, deleted in (("m", False), ("d", True)):
            if name in entries and entries[name].split()[1] == "blob":
                return entries[name].split()[2], deleted
        return "", False

    # --- messages -------------------------------------------------------------

    def messages(self, rng: Range) -> Iterator[RawMessage]:
        """Every message of the range, oldest first, streamed from git."""
        return self.read(self.commits(rng))

    def read(self, commits: Iterable[Commit]) -> Iterator[RawMessage]:
        """The messages of chosen commits, in the order given.

        Uses the archive's persistent cat-file processes; a read started while
        another is still running gets private ones, so generators may interleave.
        """
        shared = not self._busy
        cats = self._cats if shared else {}
        self._busy = self._busy or shared
        source, done, clean = iter(commits), False, False
        pending: deque[_Request] = deque()
        try:
            while True:
                if not done and len(pending) <= WINDOW // 2:
                    done = self._request(source, pending, cats)
                if not pending:
                    clean = done
                    if done:
                        return
                    continue
                key, commit = pending.popleft()
                yield RawMessage(commit.commit, commit.blob, commit.epoch, cats[key].receive(commit),
                                 commit.committed, commit.authored, commit.deleted)
        finally:
            if not (shared and clean):  # unread answers would confuse the next reader
                while cats:
                    cats.popitem()[1].close()
            self._busy = self._busy and not shared

    def _request(self, source: Iterator[Commit], pending: deque[_Request],
                 cats: dict[tuple[int, int], CatFile]) -> bool:
        """Queue blob requests until the window is full; True when ``source`` ran dry."""
        batches: dict[tuple[int, int], list[Commit]] = {}
        done = False
        while len(pending) < WINDOW and not done:
            commit = next(source, None)
            done = commit is None
            if commit is None:
                continue
            if not commit.blob:
                self.problems.append(Problem("no-message", "the commit's tree holds neither m "
                                             "nor d; skipped", commit=commit.commit))
                continue
            self._sent += 1
            key = (commit.epoch, self._sent % self.readers)
            batches.setdefault(key, []).append(commit)
            pending.append((key, commit))
        for key, batch in batches.items():
            if key not in cats:
                cats[key] = CatFile(self._by_number[key[0]])
            cats[key].send(batch)
        return done

    def close(self) -> None:
        """Stop the cat-file processes; reading again starts new ones."""
        while self._cats:
            self._cats.popitem()[1].close()
