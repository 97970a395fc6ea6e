"""One writer per site: the lock every command that writes content/, the index or site/ holds.

Two `ssg build` runs at once (a cron job and a hand-run build, or `ssg serve`
digesting new mail while a build runs) would otherwise race on the index
("database is locked") and on content/'s and site/'s swaps.  The second run waits
for the first, saying which process it waits for, then goes on with what the
first one left.

The lock is `flock` on ``<cache_dir>/lock``: the OS releases it when the process
(and the children that share its descriptor) end, however they end.  Inside one
process tree it is held once: a forked child (the digest, the page workers) or a
command called by another (deploy → build, build → digest) finds it held already.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

_held: int | None = None  # the descriptor holding the lock in this process tree


@contextlib.contextmanager
def hold(cache_dir: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the site's lock for the ``with`` block, waiting for another run's."""
    global _held
    try:
        import fcntl
    except ImportError:  # not POSIX: no locking
        yield
        return
    if _held is not None:
        yield
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache_dir / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another ssg run in this site to finish ({_holder(fd)})")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\t{time.strftime('%Y-%m-%d %H:%M:%S')}\t{_command()}\n"
                  .encode("utf-8", "replace"), 0)
        _held = fd
        try:
            yield
        finally:
            _held = None
    finally:
        os.close(fd)  # releases the lock once no forked child holds the descriptor either


def _holder(fd: int) -> str:
    """What the lock file says of the process holding it: pid, start time, command."""
    pid, when, command = (os.pread(fd, 512, 0).decode("utf-8", "replace").strip().split("\t") + ["", ""])[:3]
    return f"'{command}', pid {pid}, since {when}" if pid.isdigit() else "its lock file names no process"


def _command() -> str:
    return " ".join(["ssg", *(a for a in sys.argv[1:3] if a.isprintable())])[:200]
