"""The digest's word to the renderer, while ``ssg build`` runs them side by side:
"this content page is staged, whole, there".

The digest runs in a child process (``apart``); meanwhile another child of the
build parses the pages it hears of into the render cache (``render_output.ahead``),
so the render half that follows finds them parsed.  One line per page through a
pipe: ``rel NUL path LF``.  The word is only a hint: the sender never blocks (a
full pipe drops the line) and never fails; the renderer reads and checks every
page itself anyway.
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
        try:
            os.write(self.fd, line)
        except BlockingIOError:  # the reader is behind: this page is parsed later, by the renderer
            pass
        except OSError:  # the reader is gone
            self.fd = -1


def received(fd: int) -> Iterator[tuple[str, Path]]:
    """What the sender said, until every copy of its end of the pipe is closed."""
    with os.fdopen(fd, "rb", closefd=False) as pipe:
        for line in pipe:
            rel, sep, path = line.rstrip(b"\n").decode("utf-8", "surrogateescape").partition("\0")
            if sep and rel and path:
                yield rel, Path(path)
