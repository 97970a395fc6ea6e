"""Roomier pipes between ssg's processes.

A Linux pipe holds 64 KiB by default: a writer with more to say (git cat-file
streaming mail, a worker sending a pickled chunk of parsed mail) stops each time
it is full and waits for the reader to be scheduled.  ``widen`` asks for 1 MiB,
the most an unprivileged process may (``/proc/sys/fs/pipe-max-size``).
"""

from __future__ import annotations

SIZE = 1 << 20


def widen(fd: int) -> None:
    """Let the pipe behind ``fd`` hold ``SIZE`` bytes; elsewhere (not Linux, not a pipe, over the limit) nothing."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ"), SIZE)
    except (ImportError, AttributeError, OSError, ValueError):
        pass
