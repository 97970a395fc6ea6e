"""Write public-inbox v2 inboxes: ``ssg import``, the bundled example and tests.

An inbox is a directory with ``inbox.lock``, ``git/N.git`` epochs (bare
repositories; we append to the newest) and ``all.git`` (alternates to every
epoch).  Each message becomes one commit whose tree holds exactly one blob, ``m``;
a removal appends a commit whose tree holds ``d`` = the removed message.  All
commits of a session go through one ``git fast-import`` process.

Only the four headers a commit needs are read (a guarded regular-expression scan):
this is a writer, ``ssg.mail`` is the real parser.
"""

from __future__ import annotations

import email.header
import email.utils
import fcntl
import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ssg.errors import ArchiveError, Problem
from ssg.mailbox import mailbox_messages, maildir_messages, mbox_messages  # noqa: F401 (re-exported)

MSGMAP = "ssg-msgmap"
"""Message-ID → blob map kept next to the epochs (rebuilt when out of date)."""
BRANCH = "refs/heads/master"
MAX_TIME = 253_402_300_799
"""Dates after 9999-12-31 are treated as invalid."""
DROPPED_HEADERS = (b"bytes", b"lines", b"content-length", b"status", b"x-status")
"""Headers public-inbox removes before storing a message."""
_MSGID = re.compile(r"<\s*([^<>\s]+)\s*>")
_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]+")
_WANTED = re.compile(rb"^(message-id|from|date|subject)[ \t]*:(.*(?:\r?\n[ \t].*)*)",
                     re.IGNORECASE | re.MULTILINE)
"""The four headers a commit needs, with their continuation lines."""
_REPO_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_OBJECT_DIRECTORY", "GIT_INDEX_FILE",
              "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE")
_ENV = {**{k: v for k, v in os.environ.items() if k not in _REPO_VARS},
        "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
"""git's environment: no inherited repository variables (as inside a git hook)."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What ``import_mailbox`` did."""

    added: int
    """Messages appended to the inbox."""
    duplicates: int
    """Messages skipped because their Message-ID was already in the inbox."""
    problems: tuple[Problem, ...] = ()
    """Oddities found (missing Message-ID, bad dates, empty messages…)."""
    tip: str = ""
    """Newest commit of the inbox after the import (40-hex), or empty."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """The few header facts a commit needs."""

    message_id: str
    """First Message-ID without angle brackets, or empty."""
    name: str
    """Author display name (decoded, safe for a git ident)."""
    email: str
    """Author address (safe for a git ident), may be empty."""
    date: int | None
    """Date header in epoch seconds, None when missing or invalid."""
    zone: str
    """The Date's zone as ``+HHMM`` (``+0000`` when unusable)."""
    subject: str
    """Decoded, unfolded subject."""


def _text(value: object) -> str:
    """A header value as text: RFC 2047 decoded, unfolded, whitespace collapsed."""
    if value is None:
        return ""
    try:
        raw = str(value)
    except Exception:
        return ""
    try:
        text = str(email.header.make_header(email.header.decode_header(raw)))
    except Exception:
        text = raw
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → "?"
    return " ".join(text.split())


def _date(value: object) -> tuple[int | None, str, str]:
    """(seconds, zone, problem code) from a Date header value."""
    if value is None:
        return None, "+0000", "no-date"
    try:
        parts = email.utils.parsedate_tz(str(value))
        if parts is None:
            return None, "+0000", "bad-date"
        offset = parts[9] or 0
        if abs(offset) >= 24 * 3600:  # a zone like -9900: read the time as UTC
            parts = parts[:9] + (0,)
            offset = 0
        seconds = email.utils.mktime_tz(parts)
    except Exception:
        return None, "+0000", "bad-date"
    if not 0 <= seconds <= MAX_TIME:
        return None, "+0000", "bad-date"
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return seconds, f"{sign}{hours:02d}{minutes:02d}", ""


def message_id(value: object) -> str:
    """The first ``<id>`` of a Message-ID header (brackets removed), else a bare token."""
    text = _text(value)
    match = _MSGID.search(text)
    if match:
        return match.group(1)
    return text if text and " " not in text else ""


def headers(raw: bytes) -> dict[str, str]:
    """First Message-ID, From, Date and Subject of the header block, unfolded.

    A regular-expression scan of the header block: ten times faster than
    ``email.parser`` on list mail with long Received chains, and it cannot raise.
    """
    found: dict[str, str] = {}
    for match in _WANTED.finditer(raw, 0, _header_end(raw)):
        name = match.group(1).lower().decode()
        if name not in found:
            value = match.group(2).decode("utf-8", "replace")
            found[name] = " ".join(value.split())
    return found


def envelope(raw: bytes) -> tuple[Envelope, list[tuple[str, str]]]:
    """Header facts of a message plus (code, detail) problems; never raises."""
    get = headers(raw).get
    problems = []
    mid = message_id(get("message-id"))
    if not mid:
        problems.append(("no-message-id", "no usable Message-ID: cannot deduplicate"))
    name, addr = email.utils.parseaddr(_text(get("from")))
    date, zone, code = _date(get("date"))
    if code:
        what = f"Date header {get('date')!r} unusable" if code == "bad-date" else "no Date header"
        problems.append((code, f"{what}: the previous message's time is used"))
    env = Envelope(mid, _UNSAFE.sub(" ", name).strip(), _UNSAFE.sub("", addr).replace(" ", ""),
                   date, zone, _text(get("subject")))
    return env, problems


def _header_end(raw: bytes) -> int:
    """Offset just past the header block's last line end (``len(raw)`` without a body)."""
    lf, crlf = raw.find(b"\n\n"), raw.find(b"\r\n\r\n")
    ends = [i for i in (lf + 1 if lf != -1 else -1, crlf + 2 if crlf != -1 else -1) if i > 0]
    return min(ends) if ends else len(raw)


def strip_headers(raw: bytes) -> bytes:
    """Remove the headers public-inbox drops (Bytes, Lines, Content-Length, Status…)."""
    end = _header_end(raw)
    head, body = raw[:end], raw[end:]
    out, dropping = [], False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                out.append(line)
            continue
        dropping = line.split(b":", 1)[0].strip().lower() in DROPPED_HEADERS
        if not dropping:
            out.append(line)
    return b"".join(out) + body


def _git(git_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], env=_ENV,
                          capture_output=True, text=True, check=False)


class InboxWriter:
    """Append messages to a public-inbox v2 inbox (creating it when needed)."""

    def __init__(self, path: str | os.PathLike[str], *, name: str = "", address: str = "") -> None:
        self.path = Path(path).expanduser().resolve()
        self.problems: list[Problem] = []
        """Oddities found in added messages."""
        self.epoch = self._prepare()
        self._lock = self._take_lock()
        ident_name = _UNSAFE.sub(" ", name or self.path.name).strip() or "inbox"
        ident_addr = _UNSAFE.sub("", address).replace(" ", "") or "inbox@ssg.invalid"
        self._ident = f"{ident_name} <{ident_addr}>"
        self._proc: subprocess.Popen[bytes] | None = None
        self._err: IO[bytes] | None = None
        try:
            self.tip = _git(self.epoch, "rev-parse", "--verify", "-q", BRANCH).stdout.strip()
            last = _git(self.epoch, "log", "-1", "--format=%ct", self.tip).stdout if self.tip else ""
            self.last_time = int(last.strip() or 0)
            self._ids = self._load_ids()
        except BaseException:
            self.close()
            raise

    # --- set-up ---------------------------------------------------------------

    def _prepare(self) -> Path:
        """Create the inbox layout if missing; return the newest epoch."""
        if self.path.exists() and not self.path.is_dir():
            raise ArchiveError(f"cannot create an inbox at {self.path}: a file is in the way")
        if (self.path / "objects").is_dir() and (self.path / "HEAD").is_file():
            raise ArchiveError(f"{self.path} is a bare git repository, not a v2 inbox directory; "
                               "give a new or existing inbox directory (with git/N.git)")
        git = self.path / "git"
        numbers = sorted(int(p.name[:-4]) for p in git.glob("*.git") if p.name[:-4].isdigit())
        epoch = git / f"{numbers[-1] if numbers else 0}.git"
        if not numbers:
            epoch.mkdir(parents=True)
            for args in (("init", "--bare", "-q"), ("symbolic-ref", "HEAD", BRANCH),
                         ("config", "core.logAllRefUpdates", "false")):
                res = _git(epoch, *args)
                if res.returncode:
                    raise ArchiveError(f"cannot create {epoch}: {res.stderr.strip()}")
        self._write_all_git(numbers or [0])
        return epoch

    def _write_all_git(self, numbers: list[int]) -> None:
        all_git = self.path / "all.git"
        if not (all_git / "objects").is_dir():
            _git(all_git, "init", "--bare", "-q")
        alternates = all_git / "objects" / "info" / "alternates"
        if alternates.parent.is_dir():
            alternates.write_text("".join(f"../../git/{n}.git/objects\n" for n in numbers))

    def _take_lock(self) -> IO[bytes]:
        lock = open(self.path / "inbox.lock", "ab")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            lock.close()
            raise ArchiveError(f"the inbox at {self.path} is locked by another writer "
                               "(inbox.lock); wait for it to finish") from exc
        return lock

    def _load_ids(self) -> dict[str, str]:
        """Message-ID → blob of live messages, from ssg-msgmap or by reading the inbox."""
        mapfile = self.path / MSGMAP
        if mapfile.is_file():
            lines = mapfile.read_text("utf-8", "replace").splitlines()
            if lines and lines[0] == f"# tip {self.tip}":
                return dict(line.split("\t", 1)[::-1] for line in lines[1:] if "\t" in line)
        return self._scan_ids() if self.tip else {}

    def _scan_ids(self) -> dict[str, str]:
        from ssg.archive import Archive  # the reader; only needed for foreign inboxes

        ids: dict[str, str] = {}
        with Archive.open(self.path) as archive:
            for msg in archive.messages(archive.resolve(None)):
                mid = envelope(msg.data)[0].message_id
                if mid and msg.deleted:
                    ids.pop(mid, None)
                elif mid and msg.data:
                    ids.setdefault(mid, msg.blob)
        return ids

    # --- writing ----------------------------------------------------------------

    def __contains__(self, message_id: str) -> bool:
        return message_id.strip().strip("<>") in self._ids

    def add(self, raw: bytes) -> str | None:
        """Append one message; its commit id, or None for a known Message-ID."""
        env, found = envelope(raw)
        if env.message_id and env.message_id in self._ids:
            return None
        for code, detail in found:
            self.problems.append(Problem(code, detail, message_id=env.message_id))
        data = strip_headers(raw)
        when = env.date if env.date is not None else self.last_time
        self.last_time = max(when, self.last_time)
        author = f"{env.name} <{env.email}>"  # no name → "author  <x>", as git writes it
        commit = self._commit(data, "m", author, f"{when} {env.zone}", env.subject)
        if env.message_id:
            self._ids[env.message_id] = _object_id("blob", data)
        return commit

    def delete(self, message_id: str) -> str:
        """Append a ``d`` commit removing a message; its commit id."""
        mid = message_id.strip().strip("<>")
        blob = self._ids.pop(mid, "")
        if not blob:
            raise ArchiveError(f"no message <{mid}> in the inbox at {self.path}: nothing to delete")
        return self._commit(blob, "d", self._ident, f"{self.last_time} +0000", f"delete <{mid}>")

    def _commit(self, content: bytes | str, name: str, author: str, date: str, subject: str) -> str:
        """One fast-import commit whose tree is exactly ``name``; returns its id.

        Ids are computed here (the objects are fully determined), so nothing waits for
        git; ``close`` checks the branch git wrote against the last id.
        """
        blob = _object_id("blob", content) if isinstance(content, bytes) else content
        tree = _object_id("tree", b"100644 " + name.encode() + b"\0" + bytes.fromhex(blob))
        message = subject.encode("utf-8", "replace")
        idents = (f"author {author} {date}\ncommitter {self._ident} {self.last_time} +0000\n"
                  ).encode("utf-8", "replace")
        parent = f"parent {self.tip}\n".encode() if self.tip else b""
        commit = _object_id("commit", b"tree %s\n%s%s\n%s" % (tree.encode(), parent, idents, message))
        proc = self._fast_import()
        out = [b"commit %s\n" % BRANCH.encode(), idents, b"data %d\n" % len(message), message, b"\n"]
        if self.tip and not self._started:  # later commits follow the branch by themselves
            out.append(f"from {self.tip}\n".encode())
        self._started = True
        out.append(f"deleteall\nM 100644 {blob} {name}\n\n".encode())
        if isinstance(content, bytes):
            out.insert(0, b"blob\ndata %d\n" % len(content) + content + b"\n")
        try:
            assert proc.stdin is not None
            proc.stdin.write(b"".join(out))
        except OSError as exc:
            raise self._failed() from exc
        self.tip = commit
        return commit

    def _fast_import(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            self._err = tempfile.TemporaryFile()
            self._proc = subprocess.Popen(
                ["git", f"--git-dir={self.epoch}", "fast-import", "--quiet", "--done"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._err, env=_ENV)
            self._started = False
        return self._proc

    def _failed(self) -> ArchiveError:
        why = ""
        if self._err is not None:
            if self._proc is not None:
                self._proc.kill()
                self._proc.wait()
            self._err.seek(0)
            why = self._err.read().decode("utf-8", "replace").strip()
        self._proc = None
        return ArchiveError(f"git fast-import failed in {self.epoch}: {why or 'no answer'}")

    # --- finishing ----------------------------------------------------------------

    def close(self) -> None:
        """Finish the import (refs are updated now), save the id map, release the lock."""
        try:
            if self._proc is not None:
                assert self._proc.stdin is not None
                self._proc.stdin.write(b"done\n")
                self._proc.stdin.close()
                if self._proc.wait() != 0:
                    raise self._failed()
                self._proc = None
                written = _git(self.epoch, "rev-parse", "--verify", "-q", BRANCH).stdout.strip()
                if written != self.tip:
                    raise ArchiveError(f"git fast-import wrote {written or 'nothing'} to {BRANCH} "
                                       f"in {self.epoch}, expected {self.tip}; please report this")
                self._save_ids()
        finally:
            if self._err is not None:
                self._err.close()
                self._err = None
            if not self._lock.closed:
                fcntl.flock(self._lock, fcntl.LOCK_UN)
                self._lock.close()

    def _save_ids(self) -> None:
        lines = [f"# tip {self.tip}"] + [f"{blob}\t{mid}" for mid, blob in self._ids.items()]
        tmp = self.path / f".{MSGMAP}.tmp"
        tmp.write_text("\n".join(lines) + "\n", "utf-8")
        os.replace(tmp, self.path / MSGMAP)

    def __enter__(self) -> InboxWriter:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is not None and self._proc is not None:  # failed: leave the refs untouched
            self._proc.kill()
            self._proc.wait()
            self._proc = None
        self.close()


def _object_id(kind: str, data: bytes) -> str:
    """The SHA-1 id git gives an object of this type and content."""
    return hashlib.sha1(b"%s %d\0" % (kind.encode(), len(data)) + data).hexdigest()


# --- import ---------------------------------------------------------------------

def import_mailbox(source: str | os.PathLike[str], inbox: str | os.PathLike[str], *,
                   name: str = "", address: str = "") -> ImportReport:
    """Append every message of an mbox or Maildir to a v2 inbox (created if needed)."""
    messages = mailbox_messages(source)
    added = duplicates = 0
    with InboxWriter(inbox, name=name, address=address) as writer:
        for n, raw in enumerate(messages, 1):
            if not raw.strip():
                writer.problems.append(Problem("empty-message", f"message {n} of {source} is "
                                               "empty; skipped"))
            elif writer.add(raw) is None:
                duplicates += 1
            else:
                added += 1
    return ImportReport(added, duplicates, tuple(writer.problems), writer.tip)
