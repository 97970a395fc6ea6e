"""Reading mailboxes for import: mbox (mboxrd) files and Maildir directories."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

from ssg.errors import ArchiveError

_QUOTED_FROM = re.compile(rb"^>+From ")


def _is_blank(line: bytes) -> bool:
    return line in (b"\n", b"\r\n")


def mbox_messages(path: Path) -> Iterator[bytes]:
    """Messages of an mbox file: a ``From `` line after a blank line starts one (mboxrd)."""
    with open(path, "rb") as f:
        lines: list[bytes] | None = None
        previous_blank = True
        for line in f:
            if previous_blank and line.startswith(b"From "):
                if lines is not None:
                    yield _mbox_message(lines)
                lines = []
            elif lines is not None:
                quoted = line[:1] == b">" and _QUOTED_FROM.match(line)
                lines.append(line[1:] if quoted else line)
            previous_blank = _is_blank(line)
        if lines is not None:
            yield _mbox_message(lines)


def _mbox_message(lines: list[bytes]) -> bytes:
    """Join a message's lines, dropping the blank line that separates it from the next."""
    if len(lines) > 1 and _is_blank(lines[-1]):
        lines = lines[:-1]
    return b"".join(lines)


def maildir_messages(path: Path) -> Iterator[bytes]:
    """Messages of a Maildir (``cur/`` and ``new/``), sorted by file name."""
    files = [p for sub in ("cur", "new") if (path / sub).is_dir()
             for p in (path / sub).iterdir() if p.is_file() and not p.name.startswith(".")]
    for p in sorted(files, key=lambda p: (p.name, p.parent.name)):
        yield p.read_bytes()


def mailbox_messages(source: str | os.PathLike[str]) -> Iterator[bytes]:
    """Messages of an mbox file or a Maildir; ArchiveError when it is neither."""
    path = Path(source).expanduser()
    if not path.exists():
        raise ArchiveError(f"no mailbox at {path}: the path does not exist; give an mbox file "
                           "or a Maildir")
    if path.is_dir():
        if not ((path / "cur").is_dir() or (path / "new").is_dir()):
            raise ArchiveError(f"{path} is not a mailbox: expected an mbox file or a Maildir "
                               "with cur/ and new/")
        return maildir_messages(path)
    with open(path, "rb") as f:
        head = f.read(4096).lstrip(b"\r\n")
    if head and not head.startswith(b"From "):
        raise ArchiveError(f"{path} is not an mbox file: it does not start with a 'From ' "
                           "line (for a Maildir give the directory holding cur/ and new/)")
    return mbox_messages(path)
