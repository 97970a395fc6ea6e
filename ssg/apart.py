"""Run one step in a forked child process, so that its memory is the system's again when it ends.

``ssg build`` digests in a child before it renders: the digest half leaves a
fragmented heap behind (freed by Python, not given back), which the render
half's forked workers would share and the build's peak memory would count.
The child dies with its parent (``PR_SET_PDEATHSIG``), so a killed build never
leaves a digest running on its own.  Where ``fork`` does not exist, or
``sys.stdout``/``sys.stderr`` were replaced (their output would stay in the
child), the step simply runs in this process.

``start`` returns while the child works, so the parent can meanwhile do what
does not depend on the step (``ssg build`` reads the last build's state then);
``call`` is ``start`` then ``wait``.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import traceback
from typing import Any, Callable

from ssg import errors

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a forked child of ``parent``: be killed when it dies (Linux), or end now if it is gone already.

    Every process ssg forks calls this first, so a build killed with SIGKILL (by hand,
    by the OOM killer) leaves no digest, parser or renderer writing on by itself."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the child may outlive a killed parent
        pass
    if os.getppid() != parent:  # died before the signal was armed
        os._exit(1)


class Pending:
    """A step started by ``start``: ``wait()`` gives its value or raises its error."""

    def __init__(self, step: Callable[..., Any], pid: int = 0, pipe: int = -1, done: tuple = ()) -> None:
        self._what = getattr(step, "__name__", "step").strip("_")
        self._pid, self._pipe, self._done = pid, pipe, done

    def ended(self) -> bool:
        """Whether the step is over (its answer waits in the pipe, or the child is gone)."""
        return bool(self._done) or bool(select.select([self._pipe], [], [], 0)[0])

    def wait(self) -> Any:
        if not self._done:
            with os.fdopen(self._pipe, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            if not data:
                how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                       else f"status {os.waitstatus_to_exitcode(status)}")
                raise errors.SsgError(f"the {self._what} process died ({how})")
            self._done = pickle.loads(data)  # from our own child, through our own pipe
        reply = self._done
        if reply[0] == "value":
            return reply[1]
        if reply[0] == "raise":  # run in this process
            raise reply[1]
        if reply[0] == "interrupt":
            raise KeyboardInterrupt
        if reply[0] == "error":
            kind = getattr(errors, reply[1], errors.SsgError)
            kind = kind if isinstance(kind, type) and issubclass(kind, errors.SsgError) else errors.SsgError
            raise kind(reply[2], location=reply[3])
        raise errors.SsgError(f"{self._what} failed: {reply[1]}")


_kept: list[Any] = []


def outlive(obj: Any) -> None:
    """Keep ``obj`` until the process ends (the last object given): ``ssg`` ends with
    ``os._exit`` (``cli.run``), so a build's large renderer is never freed object by object
    (≈15 ms of a 300-message build)."""
    _kept[:] = [obj]


def call(step: Callable[..., Any], *args: Any, debug: bool = False) -> Any:
    """``step(*args)`` in a forked child: its (picklable) value, or its SsgError raised again here."""
    return start(step, *args, debug=debug).wait()


def start(step: Callable[..., Any], *args: Any, debug: bool = False) -> Pending:
    """Start ``step(*args)`` in a forked child and return at once: this process can do
    other work (that does not touch what the step writes) until ``wait()``."""
    if not hasattr(os, "fork") or sys.stdout is not sys.__stdout__ or sys.stderr is not sys.__stderr__:
        # output captured in this process (an embedding, a test) would be lost in a child
        try:
            return Pending(step, done=("value", step(*args)))
        except Exception as exc:
            return Pending(step, done=("raise", exc))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    parent = os.getpid()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read)
        die_with_parent(parent)  # (ends here if the parent is gone already)
        try:
            reply: tuple = ("value", step(*args))
        except errors.SsgError as exc:
            if debug:
                traceback.print_exc()
            reply = ("error", type(exc).__name__, exc.message, exc.location)
        except KeyboardInterrupt:
            reply = ("interrupt",)
        except BaseException as exc:  # reported by the parent, like any crash of a step
            if debug:
                traceback.print_exc()
            told = errors.environmental(exc)
            reply = ("crash", repr(exc)) if told is None else ("error", type(told).__name__, told.message,
                                                                 told.location)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            with os.fdopen(write, "wb") as pipe:
                pipe.write(pickle.dumps(reply))
        finally:
            os._exit(0)
    os.close(write)
    return Pending(step, pid, read)
