"""A batch of file writes and removals under one directory, all or nothing after recovery.

The files of a batch are first written into a staging directory (``txn``, a
sibling or a hidden child of the root), then a journal naming every write and
removal is written and synced, then each staged file is renamed into place and
each removal done.  A process killed before the journal is complete leaves the
root untouched (``recover`` throws the staging away); one killed after it leaves
a journal that ``recover`` plays again, so the root always ends up in the old or
the new state, and every file in it is whole at every instant.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

JOURNAL = "journal.json"
FILES = "files"
"""The staging directory's folder that holds the batch's files (``staged``)."""


def safe_join(root: Path, rel: str) -> Path:
    """``root/rel`` for a relative POSIX path that stays under root (no ``..``, no absolute)."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in rel or "\x00" in rel:
        raise ValueError(f"unsafe path {rel!r}")
    return root.joinpath(*parts)


def staged(txn: Path, rel: str) -> Path:
    """Where a batch writes ``rel`` before it is committed: all in one folder, each file
    named by a hash of ``rel`` (staged in a tree like the root's, the pages of a site, each
    its own ``…/index.html``, took a folder each to stage: ≈0.1 ms apiece)."""
    safe_join(txn, rel)  # (refused here, before anything is written)
    return txn / FILES / _flat(rel)


def _flat(rel: str) -> str:
    return hashlib.blake2b(rel.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def write_synced(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def commit(txn: Path, root: Path, writes: Iterable[str], removes: Iterable[str]) -> None:
    """Journal the batch staged in ``txn``, then play it onto ``root``.

    ``txn`` stays until ``close``: a caller that records the new state elsewhere
    (a manifest) closes the batch after that, so ``recover`` can tell it to forget."""
    plan = {"write": sorted(writes), "remove": sorted(removes)}
    txn.mkdir(parents=True, exist_ok=True)
    write_synced(txn / (JOURNAL + ".tmp"), json.dumps(plan).encode("utf-8", "surrogatepass"))
    os.replace(txn / (JOURNAL + ".tmp"), txn / JOURNAL)  # the journal appears whole or not at all
    play(txn, root, plan)


def close(txn: Path) -> None:
    shutil.rmtree(txn, ignore_errors=True)


@contextmanager
def staging(txn: Path) -> Iterator[None]:
    """Stage (and commit) a batch in the ``with`` block.  A failure before its journal
    is whole (a full disk while staging) throws the staging away: the root was not
    touched, and the staged files would only hold the space the next run needs.  A
    whole journal stays, for ``recover`` to play."""
    try:
        yield
    except BaseException:
        if not (txn / JOURNAL).exists():
            close(txn)
        raise


def play(txn: Path, root: Path, plan: dict) -> None:
    """Rename the staged files into place and remove the others (idempotent: a file
    no longer staged was placed by an earlier play).  One ``rename`` per file where its
    folder exists: a batch of a hundred pages takes a few milliseconds, not tens."""
    files = txn / FILES
    for rel in plan["write"]:
        target = safe_join(root, rel)  # (rel checked here)
        source = files / _flat(rel)
        try:
            os.replace(source, target)
        except FileNotFoundError:
            if not os.path.lexists(source):
                source = files.joinpath(rel)  # an older ssg staged in a tree like root's
                if not os.path.lexists(source):
                    continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for rel in plan["remove"]:
        target = safe_join(root, rel)
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        prune(root, target.parent)


def prune(root: Path, folder: Path) -> None:
    """Remove ``folder`` and its parents up to ``root`` while they are empty."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def recover(txn: Path, root: Path) -> bool:
    """Finish a batch whose journal was written; throw away one that never got that far.

    True when a journal was played (the root holds the batch's new state)."""
    played = False
    journal = txn / JOURNAL
    if journal.is_file():
        try:
            plan = json.loads(journal.read_text("utf-8"))
            ok = isinstance(plan, dict) and all(isinstance(r, str) for k in ("write", "remove") for r in plan[k])
        except (OSError, ValueError, KeyError, TypeError):
            ok = False
        if ok:
            play(txn, root, plan)
            played = True
    if txn.exists():
        shutil.rmtree(txn, ignore_errors=True)
    return played
