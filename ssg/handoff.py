"""The digest's word to the renderer, while ``ssg build`` runs them side by side:
"this content page is staged, whole, there".

The digest runs in a child process (``apart``); meanwhile another child of the
build parses the pages it hears of into the render cache (``render_output.ahead``),
so the render half that follows finds them parsed.  One line per page through a
pipe: ``rel NUL path LF``.  The word is only a hint: the sender never blocks (a
full pipe drops the line) and never fails; the renderer reads and checks every
page itself anyway.

Before any page, the digest may say that pages are coming (``Sender.expect``, an
empty line: ``NUL LF``), as soon as it knows it has new ranges: the renderer then
gets ready (reads the last build's state, compiles the templates).  A digest that
closes the pipe without a word had nothing to write, and the renderer, which learns
so from ``Heard.coming``, skips that work: a build with no new mail needs none of it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

LINE_MAX = 4096
"""At most PIPE_BUF bytes: a write this small goes into the pipe whole or not at all."""


class Sender:
    """``sender(rel, path)``: tell the other end; silent when it cannot hear (gone, or behind)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)

    def __call__(self, rel: str, path: Path) -> None:
        if self.fd < 0 or not rel.endswith(".md"):
            return
        line = f"{rel}\0{path}\n".encode("utf-8", "surrogateescape")
        if len(line) > LINE_MAX or line.count(b"\n") != 1 or line.count(b"\0") != 1:
            return
        self._say(line)

    def expect(self) -> None:
        """Say that pages are coming (before the first is staged)."""
        self._say(COMING)

    def _say(self, line: bytes) -> None:
        if self.fd < 0:
            return
        try:
            os.write(self.fd, line)
        except BlockingIOError:  # the reader is behind: this page is parsed later, by the renderer
            pass
        except OSError:  # the reader is gone
            self.fd = -1


COMING = b"\0\n"
"""``Sender.expect``'s word: pages are coming."""


def _named(line: bytes) -> tuple[str, Path] | None:
    rel, sep, path = line.rstrip(b"\n").decode("utf-8", "surrogateescape").partition("\0")
    return (rel, Path(path)) if sep and rel and path else None


class Heard:
    """What the sender says, as (rel, path) pairs until every copy of its end of the pipe
    is closed; ``coming()`` first waits for its first word."""

    def __init__(self, fd: int) -> None:
        self._pipe = os.fdopen(fd, "rb", closefd=False)
        self._first: tuple[str, Path] | None = None

    def coming(self) -> bool:
        """Wait until the sender says pages are coming, or names one (True), or closes
        the pipe without either (False: it wrote no page)."""
        for line in self._pipe:
            if line == COMING:
                return True
            named = _named(line)
            if named is not None:
                self._first = named
                return True
        return False

    def __iter__(self) -> Iterator[tuple[str, Path]]:
        try:
            if self._first is not None:
                first, self._first = self._first, None
                yield first
            for line in self._pipe:
                named = _named(line)
                if named is not None:
                    yield named
        finally:
            self._pipe.close()


def received(fd: int) -> Heard:
    """What the sender says on the pipe ``fd`` (which stays open: the caller closes it)."""
    return Heard(fd)
