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
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

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
    recorded = front[i + len(marker): j]
    stripped = front[: i + 1] + front[j + 1:]
    return "generated" if _digest(stripped + body) == recorded else "edited"


def _safe(root: Path, rel: str) -> Path:
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in rel or "\x00" in rel:
        raise ValueError(f"unsafe content path {rel!r}")
    return root.joinpath(*parts)


def recover(root: Path) -> None:
    """Finish (roll forward) a batch interrupted after its journal was written."""
    txn = root / TXN_DIR
    journal = txn / "journal.json"
    if journal.is_file():
        try:
            plan = json.loads(journal.read_text("utf-8"))
        except (OSError, ValueError):
            plan = None
        if plan is not None:
            _apply(root, plan)
    if txn.exists():
        shutil.rmtree(txn, ignore_errors=True)


def _apply(root: Path, plan: dict) -> None:
    txn = root / TXN_DIR
    for rel in plan["write"]:
        staged = txn / "files" / rel
        if staged.exists():
            target = _safe(root, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
    for rel in plan["remove"]:
        try:
            _safe(root, rel).unlink()
        except FileNotFoundError:
            pass


def _write(path: Path, data: bytes, sync: bool = False) -> None:
    """Write a staged file; only the journal is fsynced (a killed process loses
    nothing the kernel already has; the journal decides what the batch is)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
        if sync:
            f.flush()
            os.fsync(f.fileno())


def plan(root: Path, files: Iterable[ContentFile], remove: Iterable[str] = (),
         force: bool = False) -> tuple[list[ContentFile], WriteReport]:
    """Decide what to write: skip identical files and protect hand edits."""
    todo, unchanged, kept = [], [], []
    for f in files:
        target = _safe(root, f.path)
        try:
            old = target.read_text("utf-8")
        except FileNotFoundError:
            todo.append(f)
            continue
        except (OSError, UnicodeDecodeError):
            old = None
        if old == f.text:
            unchanged.append(f.path)
        elif old is not None and f.path.endswith(".md") and state(old) != "generated" and not force:
            kept.append(f.path)
        else:
            todo.append(f)
    gone = []
    for rel in sorted(set(remove)):
        target = _safe(root, rel)
        if target.is_file():
            text = target.read_text("utf-8", errors="replace")
            if not rel.endswith(".md") or state(text) == "generated" or force:
                gone.append(rel)
            else:
                kept.append(rel)
    return todo, WriteReport(tuple(f.path for f in todo), tuple(unchanged), tuple(sorted(kept)), tuple(gone))


def write_all(root: Path, files: Iterable[ContentFile], remove: Iterable[str] = (),
              force: bool = False) -> WriteReport:
    """Write a batch atomically (staged, journalled, renamed)."""
    recover(root)
    todo, report = plan(root, files, remove, force)
    if not todo and not report.removed:
        return report
    txn = root / TXN_DIR
    for f in todo:
        _write(txn / "files" / f.path, f.text.encode("utf-8", "surrogatepass"))
    journal = txn / "journal.json"
    _write(txn / "journal.tmp", sync=True, data=json.dumps(
        {"write": [f.path for f in todo], "remove": list(report.removed)}).encode())
    os.replace(txn / "journal.tmp", journal)
    _apply(root, {"write": [f.path for f in todo], "remove": list(report.removed)})
    shutil.rmtree(txn, ignore_errors=True)
    return report
