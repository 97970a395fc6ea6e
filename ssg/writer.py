"""Writing content/: all or nothing, and never over a hand edit.

Every generated file carries ``ssg_hash`` in its front matter: the hash of what
was generated.  A file whose text no longer matches its hash was edited by hand,
and a page without one was written by hand; neither is overwritten without
``force``.  (Data files such as ``digest.json`` are always regenerated.)  A batch of writes is staged in ``<docs_dir>/.ssg-txn/``, recorded in
a journal, then renamed into place; an interrupted batch is rolled forward by
the next run, so content/ moves from one complete state to the next.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ssg import journal

TXN_DIR = ".ssg-txn"
HASH_KEY = "ssg_hash"


@dataclass(frozen=True, slots=True)
class ContentFile:
    """One file for content/: a relative POSIX path and its full text."""

    path: str
    """Path under docs_dir, POSIX separators, no ``..``."""
    text: str
    """Complete file text (front matter and body for pages)."""


@dataclass(frozen=True, slots=True)
class Staged:
    """A file already decided about (and staged when it is to be written) by
    ``stage``, in a worker process: ``write_all`` only records it."""

    path: str
    """Path under docs_dir, as the ``ContentFile``'s."""
    decision: str
    """``write`` (staged), ``same`` or ``keep``."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    """Files not overwritten because they were edited or written by hand."""
    removed: tuple[str, ...] = ()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def seal(front: str, body: str) -> str:
    """Join front matter (``---\\n…---\\n``) and body, adding ``ssg_hash``."""
    h = _digest(front + body)
    if h.isdigit():  # YAML would read sixteen digits back as a number
        h = f"'{h}'"
    return front[:-4] + f"{HASH_KEY}: {h}\n---\n" + body


def state(text: str) -> str:
    """``generated`` (hash matches), ``edited`` (hash differs) or ``hand`` (no hash)."""
    if not text.startswith("---\n"):
        return "hand"
    end = text.find("\n---\n", 3)
    if end < 0:
        return "hand"
    front, body = text[: end + 5], text[end + 5:]
    marker = f"\n{HASH_KEY}: "
    i = front.find(marker)
    if i < 0:
        return "hand"
    j = front.index("\n", i + 1)
    recorded = front[i + len(marker): j].strip("'")
    stripped = front[: i + 1] + front[j + 1:]
    return "generated" if _digest(stripped + body) == recorded else "edited"


def _safe(root: Path, rel: str) -> Path:
    try:
        return journal.safe_join(root, rel)
    except ValueError:
        raise ValueError(f"unsafe content path {rel!r}") from None


def recover(root: Path) -> None:
    """Finish (roll forward) a batch interrupted after its journal was written."""
    journal.recover(root / TXN_DIR, root)


def _write(path: Path, data: bytes, folders: set[Path]) -> None:
    """Write a staged file; only the journal is synced (a killed process loses
    nothing the kernel already has; the journal decides what the batch is).
    ``folders``: staging folders made so far in this batch (made once each)."""
    if path.parent not in folders:
        path.parent.mkdir(parents=True, exist_ok=True)
        folders.add(path.parent)
    with open(path, "wb") as f:
        f.write(data)


def _decide(root: Path, f: ContentFile, force: bool) -> str:
    """``write``, ``same`` (identical) or ``keep`` (edited or written by hand)."""
    target = _safe(root, f.path)
    try:
        old = target.read_text("utf-8")
    except FileNotFoundError:
        return "write"
    except (OSError, UnicodeDecodeError):
        return "write"
    if old == f.text:
        return "same"
    if f.path.endswith(".md") and state(old) != "generated" and not force:
        return "keep"
    return "write"


def stage(root: Path, f: ContentFile, force: bool, folders: set[Path]) -> Staged:
    """Decide about one file of the batch ``write_all`` is about to receive and
    stage it when it is to be written.  ``folders``: staging folders made so far
    (by this process).  Several processes may stage files of one batch; only
    ``write_all`` journals and commits it."""
    decision = _decide(root, f, force)
    if decision == "write":
        _write(journal.staged(root / TXN_DIR, f.path), f.text.encode("utf-8", "surrogatepass"), folders)
    return Staged(f.path, decision)


def _removals(root: Path, remove: Iterable[str], force: bool) -> tuple[list[str], list[str]]:
    gone, kept = [], []
    for rel in sorted(set(remove)):
        target = _safe(root, rel)
        if target.is_file():
            text = target.read_text("utf-8", errors="replace")
            if not rel.endswith(".md") or state(text) == "generated" or force:
                gone.append(rel)
            else:
                kept.append(rel)
    return gone, kept


def write_all(root: Path, files: Iterable[ContentFile | Staged],
              remove: Iterable[str] | Callable[[set[str]], Iterable[str]] = (),
              force: bool = False, staged: Callable[[str, Path], None] | None = None) -> WriteReport:
    """Write a batch atomically: each file is staged as it comes (so a batch of
    thousands of pages never sits in memory), then the journal is written and
    the staged files renamed into place.  ``remove`` may be a function of the set
    of paths produced, for pages nothing produces any more.  ``files`` may hold
    ``Staged`` records of files other processes staged (``stage``, same
    ``force``) once this call has started iterating them.  ``staged(rel, path)``
    hears of each file to be written once it is staged, whole, at ``path``
    (until the commit renames it to ``root/rel``)."""
    recover(root)
    txn = root / TXN_DIR
    seen: dict[str, list[str]] = {"write": [], "same": [], "keep": []}
    folders: set[Path] = set()
    with journal.staging(txn):
        for f in files:
            done = f if isinstance(f, Staged) else stage(root, f, force, folders)
            seen[done.decision].append(done.path)
            if staged is not None and done.decision == "write":
                staged(done.path, journal.staged(txn, done.path))
        produced = set(seen["write"]) | set(seen["same"]) | set(seen["keep"])
        gone, kept = _removals(root, remove(produced) if callable(remove) else remove, force)
        report = WriteReport(tuple(seen["write"]), tuple(seen["same"]), tuple(sorted(seen["keep"] + kept)),
                             tuple(gone))
        if seen["write"] or gone:
            journal.commit(txn, root, seen["write"], gone)
    journal.close(txn)
    return report
