"""The exception tree and the located problem record.

Every error that reaches the user is an ``SsgError``; the CLI catches the root,
prints one line and exits non-zero.  ``str()`` puts the location first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class SsgError(Exception):
    """Root of every error ssg reports to the user."""

    def __init__(self, message: str, *, location: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ConfigError(SsgError):
    """The configuration file or a command-line flag is wrong."""


class ArchiveError(SsgError):
    """The archive is missing, unreadable, or the range does not resolve."""


class ContentError(SsgError):
    """Writing or reading content/ failed (front matter, hand edits)."""


class RenderError(SsgError):
    """A template or a Markdown page could not be rendered."""


class DeployError(SsgError):
    """Publishing or fetching with git failed."""


class NotBuiltYet(SsgError):
    """A command of the spec that this version does not implement."""


class StorageError(SsgError):
    """The machine refused a write or read: disk full, permission, read-only file system."""


_FULL = (28, 122)  # ENOSPC, EDQUOT
_AFTER_FULL = ("free some space and run again: a run writes content/ and site/ as whole batches,"
               " so both are as the last complete run left them")


def environmental(exc: BaseException) -> StorageError | None:
    """What to tell the user of an ``OSError`` or SQLite error a step raised (a full
    disk, a directory it may not write), as one located line; None for anything
    else, which stays a crash (SQLite's ``OperationalError`` is the machine's: full,
    locked, read-only; its other errors are ssg's).  ``sqlite3`` is recognised by
    name, not imported."""
    if isinstance(exc, OSError) and not isinstance(exc, (BrokenPipeError, TimeoutError)):
        what = exc.strerror or str(exc) or type(exc).__name__
        if exc.errno in _FULL:
            what = f"{what}; {_AFTER_FULL}"
        # (a full disk names no file, or the file copied from: the place would mislead)
        where = exc.filename if isinstance(exc.filename, str) and exc.errno not in _FULL else ""
        return StorageError(what, location=printable(where))
    if type(exc).__module__ == "sqlite3" and type(exc).__name__ == "OperationalError":
        text = str(exc)
        full = "full" in text
        return StorageError(f"the message index failed ({text})" + (f"; {_AFTER_FULL}" if full else ""))
    return None


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters and bidi overrides (from mail: message-ids, subjects) shown escaped,
never sent to a terminal."""


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``): mail text cannot drive a terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if m.group() <= "\x9f"
                        else f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one input, recorded instead of raised."""

    code: str
    """Short stable identifier, e.g. ``bad-date`` or ``charset``."""
    detail: str
    """Human-readable explanation."""
    message_id: str = ""
    """Message-ID of the mail concerned (without angle brackets), if any."""
    commit: str = ""
    """Archive commit of the mail concerned, if any."""
    path: str = ""
    """File concerned (content or template), if any."""
    line: int = 0
    """Line in ``path`` (1-based), 0 if unknown."""

    def location(self) -> str:
        parts = []
        if self.path:
            parts.append(f"{self.path}:{self.line}" if self.line else self.path)
        if self.message_id:
            parts.append(f"<{self.message_id}>")
        if self.commit:
            parts.append(f"commit {self.commit[:12]}")
        return " ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.code}: {self.detail}" if loc else f"{self.code}: {self.detail}"
        return printable(text)
