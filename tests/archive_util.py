"""Build real public-inbox-shaped archives in tmp_path with git plumbing.

Objects are hashed in Python (so commits can be chained without one process per
commit) and written as one pack per object type and epoch with ``git index-pack``;
``git cat-file`` confirms git has every id we computed.  Nothing here mocks git.

    from tests.archive_util import make_archive, make_mail, Deleted, EMPTY, NO_MESSAGE
"""

from __future__ import annotations

import hashlib
import struct
import subprocess
import zlib
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Callable, Sequence

import pytest

START = 1_780_000_000
"""Committer time of the first commit; each next commit is 60 s later."""
COMMITTER = b"test-list.example.com.0 <test-list@example.com>"
AUTHOR = b"Test Author <author@example.com>"


@dataclass(frozen=True, slots=True)
class Deleted:
    """A v2 ``d`` commit: the tree holds ``d`` = this (removed) message, no ``m``."""

    raw: bytes
    """The message being removed."""


@dataclass(frozen=True, slots=True)
class _Marker:
    name: str
    """What the marker stands for."""


EMPTY = _Marker("empty")
"""An ``m`` commit whose blob is empty (purged by public-inbox-purge)."""
NO_MESSAGE = _Marker("no-message")
"""A commit whose tree holds neither ``m`` nor ``d`` (an empty tree)."""

Item = bytes | Deleted | _Marker


def make_mail(subject: str, body: str = "Hello.\n", msgid: str | None = None,
              frm: str = "Alice Example <alice@example.com>", date: str | int | None = START,
              in_reply_to: str | None = None, extra_headers: Sequence[tuple[str, str]] = (),
              to: str = "test-list@example.com") -> bytes:
    """A small synthetic RFC 5322 message (LF line ends); ``msgid=""`` leaves it out."""
    if msgid is None:
        msgid = hashlib.sha1(f"{subject}\0{body}\0{frm}".encode()).hexdigest()[:16] + "@example.com"
    lines = [f"From: {frm}", f"To: {to}", f"Subject: {subject}"]
    if date is not None:
        lines.append("Date: " + (formatdate(date) if isinstance(date, int) else date))
    if msgid:
        lines.append(f"Message-ID: <{msgid.strip('<>')}>")
    if in_reply_to:
        lines += [f"In-Reply-To: <{in_reply_to.strip('<>')}>",
                  f"References: <{in_reply_to.strip('<>')}>"]
    lines += [f"{k}: {v}" for k, v in extra_headers]
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")


def git(git_dir: Path, *args: str, stdin: bytes = b"") -> str:
    """Run git in a repository and return stdout (raises on failure)."""
    res = subprocess.run(["git", f"--git-dir={git_dir}", *args], input=stdin,
                         capture_output=True, check=False)
    if res.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed: {res.stderr.decode()}")
    return res.stdout.decode()


def object_id(kind: str, data: bytes) -> str:
    """The SHA-1 git gives an object of this type and content."""
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


def write_objects(git_dir: Path, kind: str, items: Sequence[bytes]) -> list[str]:
    """Write objects as one pack through ``git index-pack --stdin``; return their ids.

    Loose objects (``hash-object -w``) cost a file each; a pack is one process and
    one file.  The ids are computed here and checked with ``cat-file --batch-check``.
    """
    ids = [object_id(kind, d) for d in items]
    unique = dict(zip(ids, items))
    if not unique:
        return ids
    code = {"commit": 1, "tree": 2, "blob": 3}[kind]
    parts = [b"PACK", struct.pack(">II", 2, len(unique))]
    for data in unique.values():
        size, header = len(data) >> 4, bytearray()
        byte = (code << 4) | (len(data) & 15)
        while size:
            header.append(byte | 0x80)
            byte, size = size & 0x7F, size >> 7
        header.append(byte)
        parts += [bytes(header), zlib.compress(data, 1)]
    pack = b"".join(parts)
    git(git_dir, "index-pack", "--stdin", stdin=pack + hashlib.sha1(pack).digest())
    check = git(git_dir, "cat-file", "--batch-check", stdin="\n".join(unique).encode() + b"\n")
    assert check.split()[1::3] == [kind] * len(unique), f"git did not store the {kind}s"
    return ids


def _tree(name: str, blob: str) -> bytes:
    return b"100644 " + name.encode() + b"\0" + bytes.fromhex(blob)


def _commit_body(tree: str, parent: str, when: int, subject: bytes) -> bytes:
    head = f"tree {tree}\n" + (f"parent {parent}\n" if parent else "")
    return (head.encode() + b"author " + AUTHOR + f" {when - 30} +0000\n".encode()
            + b"committer " + COMMITTER + f" {when} +0000\n\n".encode() + subject)


def _subject(item: Item) -> bytes:
    raw = item.raw if isinstance(item, Deleted) else item if isinstance(item, bytes) else b""
    for line in raw.split(b"\n\n", 1)[0].split(b"\n"):
        if line.lower().startswith(b"subject:"):
            return line[8:].strip()
    return item.name.encode() if isinstance(item, _Marker) else b"(no subject)"


def build_epoch(git_dir: Path, items: Sequence[Item], start: int = START) -> list[str]:
    """Create a bare repo holding one commit per item (a fresh root); return commit ids."""
    git_dir.mkdir(parents=True, exist_ok=True)
    git(git_dir, "init", "--bare", "-q")
    git(git_dir, "symbolic-ref", "HEAD", "refs/heads/master")
    datas = [i.raw if isinstance(i, Deleted) else i if isinstance(i, bytes) else b"" for i in items]
    write_objects(git_dir, "blob", sorted(set(datas)))
    trees = [b"" if item is NO_MESSAGE else
             _tree("d" if isinstance(item, Deleted) else "m", object_id("blob", data))
             for item, data in zip(items, datas)]
    tree_ids = write_objects(git_dir, "tree", trees)
    bodies, parent = [], ""
    for n, (item, tree) in enumerate(zip(items, tree_ids)):
        body = _commit_body(tree, parent, start + 60 * n, _subject(item))
        bodies.append(body)
        parent = object_id("commit", body)
    commits = write_objects(git_dir, "commit", bodies)
    if commits:
        git(git_dir, "update-ref", "refs/heads/master", commits[-1])
    return commits


def _split(count: int, epochs: int | Sequence[int]) -> list[int]:
    if isinstance(epochs, int):
        base, extra = divmod(count, epochs)
        return [base + (1 if i < extra else 0) for i in range(epochs)]
    assert sum(epochs) == count, "epoch sizes must add up to the number of mails"
    return list(epochs)


def make_archive(tmp_path: Path, mails: Sequence[Item], epochs: int | Sequence[int] = 1, *,
                 bare: bool = False, name: str = "inbox", start: int = START) -> Path:
    """A v2 inbox ``tmp_path/name`` (``git/N.git``), or one bare repo when ``bare``.

    ``epochs`` is a count (mails split evenly, in order) or a list of sizes.  Commit
    ``n`` overall has committer time ``start + 60 n`` and author time 30 s earlier.
    """
    root = tmp_path / name
    sizes = _split(len(mails), epochs)
    if bare:
        assert len(sizes) == 1, "a bare repository holds a single epoch"
        build_epoch(root, mails, start)
        return root
    (root / "git").mkdir(parents=True, exist_ok=True)
    (root / "inbox.lock").touch()
    offset = 0
    for number, size in enumerate(sizes):
        build_epoch(root / "git" / f"{number}.git", mails[offset:offset + size], start + 60 * offset)
        offset += size
    return root


def epoch_commits(git_dir: Path) -> list[str]:
    """Commit ids of an epoch, oldest first."""
    return git(git_dir, "rev-list", "--reverse", "HEAD").split()


def rewrite_history(git_dir: Path, *, drop: int | None = None,
                    edit: tuple[int, bytes] | None = None) -> list[str]:
    """Drop or replace message ``n`` (0-based) and recommit the rest, like -purge/-edit.

    Returns the new commit ids, oldest first; the old ones stay in the object store.
    """
    old = epoch_commits(git_dir)
    at = drop if drop is not None else edit[0] if edit else None
    assert at is not None, "give drop= or edit="
    raws = [git(git_dir, "cat-file", "commit", c).encode() for c in old]
    new_tree = ""
    if edit is not None:
        blob = write_objects(git_dir, "blob", [edit[1]])[0]
        new_tree = write_objects(git_dir, "tree", [_tree("m", blob)])[0]
    parent = old[at - 1] if at else ""
    bodies = []
    for n in range(at, len(old)):
        if n == at and drop is not None:
            continue
        header, _, message = raws[n].partition(b"\n\n")
        lines = header.split(b"\n")  # tree, parent?, author, committer
        tree = f"tree {new_tree}".encode() if n == at else lines[0]
        meta = [line for line in lines[1:] if not line.startswith(b"parent ")]
        parents = [f"parent {parent}".encode()] if parent else []
        body = b"\n".join([tree, *parents, *meta]) + b"\n\n" + message
        bodies.append(body)
        parent = object_id("commit", body)
    commits = write_objects(git_dir, "commit", bodies)
    tip = commits[-1] if commits else old[at - 1]
    git(git_dir, "update-ref", "refs/heads/master", tip)
    return old[:at] + commits


@pytest.fixture
def archive_factory(tmp_path: Path) -> Callable[..., Path]:
    """``archive_factory(mails, epochs=1, **kw)`` → a fresh archive under tmp_path."""
    counter = iter(range(1_000_000))

    def factory(mails: Sequence[Item], epochs: int | Sequence[int] = 1, **kw: object) -> Path:
        kw.setdefault("name", f"inbox{next(counter)}")
        return make_archive(tmp_path, mails, epochs, **kw)  # type: ignore[arg-type]

    return factory
