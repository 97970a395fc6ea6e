"""Forked worker processes for the data half (orchestration edge).

Parsing: each worker reads its own blobs (its own ``git cat-file --batch`` per
epoch) and parses them, so the main process only receives finished ``Mail``
values, in order, with a bounded number of chunks in flight (flat memory).

Assembly: pure page functions run in the same kind of workers; results come
back in submission order, so output is deterministic.

The workers are plain forked processes, each with a fixed share of the tasks
(task ``i`` goes to worker ``i % PROCESSES``) and one pipe back; the main
process reads the pipes in task order itself.  No helper threads run in the
main process (``multiprocessing.Pool`` keeps three), so its own work (SQLite,
file writes) never waits for the GIL behind them.
"""

from __future__ import annotations

import itertools
import os
import pickle
import queue
import threading
from typing import Any, Callable, Iterable, Iterator, TypeVar

from ssg import apart, pipes
from ssg.archive import Archive, Commit
from ssg.errors import Problem, SsgError
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


def _parse_chunk(commits: list[Commit]) -> list[tuple[list[Mail], list[Problem]]]:
    from ssg.mail import parse

    archive = _archive
    assert archive is not None
    start = len(archive.problems)
    mails = [parse(raw) for raw in archive.read(commits)]
    problems = archive.problems[start:]
    del archive.problems[start:]
    return [(mails, problems)]


def parse_commits(archive: Archive, commits: Iterable[Commit], size_hint: int) -> Iterator[Mail]:
    """Read and parse the messages of ``commits`` in order; two worker processes,
    each with its own cat-file readers, for large runs.  Skipped commits are
    recorded in ``archive.problems`` in order, as a direct read would."""
    if size_hint < PARALLEL_THRESHOLD or not parallel():
        from ssg.mail import parse

        yield from map(parse, archive.read(commits))
        return
    it = iter(commits)
    chunks = iter(lambda: list(itertools.islice(it, CHUNK)), [])
    results = ordered_map(_parse_chunk, chunks, ahead=AHEAD, init=_open, initargs=(str(archive.path),))
    try:
        for mails, problems in results:
            archive.problems.extend(problems)
            yield from mails
    finally:
        results.close()


def ordered_map(fn: Callable[[T], list[R]], items: Iterable[T], *, ahead: int = 8,
                init: Callable[..., None] | None = None, initargs: tuple = ()) -> Ordered[R]:
    """The items of the lists ``map(fn, items)`` gives, computed in forked
    workers, in order, with at most about ``ahead`` finished tasks waiting.
    ``items`` is read at the call; the workers are forked then (inheriting the
    caller's memory, ``items`` and ``initargs`` included, without pickling)
    and start at once, so they run while the caller does other work before
    iterating.  The workers stop when the results run out or at ``close()``."""
    return Ordered(fn, items, ahead, init, initargs)


class Ordered(Iterator[R]):
    """Results of ``ordered_map``, in order."""

    def __init__(self, fn: Callable[[Any], list[R]], items: Iterable[Any], ahead: int,
                 init: Callable[..., None] | None, initargs: tuple) -> None:
        import multiprocessing

        tasks = list(items)
        ctx = multiprocessing.get_context("fork")
        self.procs: list[Any] = []
        self.conns: list[Any] = []
        self.left, self.turn = len(tasks), 0
        self.ready: list[R] = []
        share = max(1, -(-ahead // PROCESSES))
        parent = os.getpid()
        for k in range(min(PROCESSES, len(tasks))):
            reader, writer = ctx.Pipe(duplex=False)
            pipes.widen(reader.fileno())
            proc = ctx.Process(target=_serve, args=(fn, tasks[k::PROCESSES], share, init, initargs, writer, parent),
                               daemon=True)
            proc.start()
            writer.close()
            self.procs.append(proc)
            self.conns.append(reader)

    def __next__(self) -> R:
        while not self.ready:
            if not self.left:
                self.close()
                raise StopIteration
            conn = self.conns[self.turn]
            self.turn = (self.turn + 1) % len(self.conns)
            self.left -= 1
            try:
                ok, value = pickle.loads(conn.recv_bytes())
            except EOFError:
                self.close()
                raise SsgError("a worker process stopped before finishing its tasks (killed, out of memory?)") from None
            except BaseException:
                self.close()
                raise
            if not ok:
                self.close()
                raise value
            self.ready = list(value)
            self.ready.reverse()
        return self.ready.pop()

    def close(self) -> None:
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self.procs:
            proc.join()
        for conn in self.conns:
            conn.close()
        self.procs, self.conns, self.left, self.ready = [], [], 0, []


def _serve(fn: Callable[[Any], list[Any]], tasks: list[Any], ahead: int, init: Callable[..., None] | None,
           initargs: tuple, conn: Any, parent: int) -> None:
    """A worker: run ``init``, then each task in order; results (pickled here)
    go out through ``conn`` from a sender thread, ``ahead`` at most waiting."""
    apart.die_with_parent(parent)
    out: queue.Queue[bytes | None] = queue.Queue(maxsize=ahead)
    sender = threading.Thread(target=_send, args=(out, conn), daemon=True)
    sender.start()
    try:
        if init is not None:
            init(*initargs)
        for task in tasks:
            out.put(pickle.dumps((True, fn(task)), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # sent to the main process, which raises it
        try:
            data = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
        except Exception:
            data = pickle.dumps((False, RuntimeError(f"in a worker process: {exc!r}")), pickle.HIGHEST_PROTOCOL)
        out.put(data)
    out.put(None)
    sender.join()


def _send(out: queue.Queue[bytes | None], conn: Any) -> None:
    while (data := out.get()) is not None:
        try:
            conn.send_bytes(data)
        except OSError:  # the main process went away
            os._exit(1)
