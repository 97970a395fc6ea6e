"""Forked worker processes for the data half (orchestration edge).

Parsing: each worker reads its own blobs (its own ``git cat-file --batch`` per
epoch) and parses them, so the main process only receives finished ``Mail``
values, in order, with a bounded number of chunks in flight (flat memory).

Assembly: pure page functions run in the same kind of workers; results come
back in submission order, so output is deterministic.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from typing import Any, Callable, Iterable, Iterator, TypeVar

from ssg.archive import Archive, Commit
from ssg.errors import Problem
from ssg.model import Mail

PARALLEL_THRESHOLD = 400
"""Below this many messages, parsing stays in the main process."""
CHUNK = 64
"""Commits per parse task."""
AHEAD = 16
"""Parse tasks in flight (CHUNK × AHEAD messages at most wait in memory)."""
PROCESSES = 2

T = TypeVar("T")
R = TypeVar("R")

_archive: Archive | None = None


def parallel() -> bool:
    return (os.cpu_count() or 1) >= 2


def _open(path: str) -> None:
    global _archive
    _archive = Archive.open(path)


def _parse_chunk(commits: list[Commit]) -> tuple[list[Mail], list[Problem]]:
    from ssg.mail import parse

    archive = _archive
    assert archive is not None
    start = len(archive.problems)
    mails = [parse(raw) for raw in archive.read(commits)]
    problems = archive.problems[start:]
    del archive.problems[start:]
    return mails, problems


def parse_commits(archive: Archive, commits: Iterable[Commit], size_hint: int) -> Iterator[Mail]:
    """Read and parse the messages of ``commits`` in order; two worker processes,
    each with its own cat-file readers, for large runs.  Skipped commits are
    recorded in ``archive.problems`` in order, as a direct read would."""
    if size_hint < PARALLEL_THRESHOLD or not parallel():
        from ssg.mail import parse

        yield from map(parse, archive.read(commits))
        return
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    it = iter(commits)
    with ctx.Pool(PROCESSES, initializer=_open, initargs=(str(archive.path),)) as pool:
        pending: deque[Any] = deque()
        while True:
            while len(pending) < AHEAD and (batch := list(itertools.islice(it, CHUNK))):
                pending.append(pool.apply_async(_parse_chunk, (batch,)))
            if not pending:
                return
            mails, problems = pending.popleft().get()
            archive.problems.extend(problems)
            yield from mails


def ordered_map(fn: Callable[[T], list[R]], items: Iterable[T], *, ahead: int = 8,
                init: Callable[..., None] | None = None, initargs: tuple = ()) -> Ordered[R]:
    """The items of the lists ``map(fn, items)`` gives, computed in forked
    workers, in order, with at most ``ahead`` tasks in flight.  The workers are forked (inheriting the caller's memory,
    ``initargs`` included, without pickling) and the first tasks submitted at
    the call, so they run while the caller does other work before iterating.
    ``fn`` must be a module-level function.  The workers stop when the results
    run out or at ``close()``."""
    return Ordered(fn, items, ahead, init, initargs)


class Ordered(Iterator[R]):
    """Results of ``ordered_map``, in order."""

    def __init__(self, fn: Callable[[Any], list[R]], items: Iterable[Any], ahead: int,
                 init: Callable[..., None] | None, initargs: tuple) -> None:
        import multiprocessing

        self.fn, self.items, self.ahead = fn, iter(items), ahead
        self.pool: Any = multiprocessing.get_context("fork").Pool(PROCESSES, initializer=init,
                                                                   initargs=initargs)
        self.pending: deque[Any] = deque()
        self.ready: deque[R] = deque()
        self._fill()

    def _fill(self) -> None:
        while len(self.pending) < self.ahead and (item := next(self.items, _END)) is not _END:
            self.pending.append(self.pool.apply_async(self.fn, (item,)))

    def __next__(self) -> R:
        while not self.ready:
            if not self.pending:
                self.close()
                raise StopIteration
            head = self.pending.popleft()
            self._fill()
            try:
                self.ready.extend(head.get())
            except BaseException:
                self.close()
                raise
        return self.ready.popleft()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        self.pending.clear()
        self.ready.clear()


_END: Any = object()
