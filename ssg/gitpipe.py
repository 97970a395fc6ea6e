"""The git processes under ``ssg.archive``: their environment, short commands, and the
``git cat-file --batch`` reader that streams an epoch's blobs.

A reader is a persistent process: requests (blob ids, one a line) go in, answers
(header line, blob, newline) come out in the same order.  ``Archive.read`` keeps a
bounded window of requests in flight so that neither pipe can fill up and deadlock.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from typing import TYPE_CHECKING

from ssg import pipes
from ssg.errors import ArchiveError

if TYPE_CHECKING:
    from ssg.archive import Commit, Epoch

DELTA_CACHE = "8m"
"""git's cache of delta bases per cat-file process (default 96m): mail blobs are seldom
deltified, so a small one reads as fast and keeps each reader ~50 MB smaller."""
READ_BUFFER = 1 << 20
"""Buffer size of the cat-file output pipe."""
REPO_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_OBJECT_DIRECTORY", "GIT_INDEX_FILE",
             "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE")
ENV = {**{k: v for k, v in os.environ.items() if k not in REPO_VARS},
       "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_NO_REPLACE_OBJECTS": "1"}
"""git's environment: no inherited repository variables (as inside a git hook)."""


def run(git_dir: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run one short git command; never raises on a non-zero exit."""
    try:
        return subprocess.run(["git", f"--git-dir={git_dir}", *args], input=stdin, env=ENV,
                              capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ArchiveError(f"cannot run git: {exc}; install git and put it on PATH") from exc


class CatFile:
    """One epoch's ``git cat-file --batch``: requests in, blobs out, in order."""

    def __init__(self, epoch: Epoch) -> None:
        self.epoch = epoch
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(["git", f"--git-dir={epoch.git_dir}", "-c",
                                      f"core.deltaBaseCacheLimit={DELTA_CACHE}", "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, env=ENV, bufsize=READ_BUFFER)
        pipes.widen(self.proc.stdout.fileno())

    def send(self, commits: list[Commit]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write("".join(c.blob + "\n" for c in commits).encode())
            self.proc.stdin.flush()
        except OSError as exc:
            raise self.failure(commits[0], "git cat-file stopped") from exc

    def receive(self, commit: Commit) -> bytes:
        out = self.proc.stdout
        assert out is not None
        header = out.readline().split()
        if len(header) != 3 or header[1] != b"blob" or header[0].decode() != commit.blob:
            raise self.failure(commit, b" ".join(header).decode("ascii", "replace"))
        size = int(header[2])
        data = out.read(size)
        if len(data) != size or out.read(1) != b"\n":
            raise self.failure(commit, "short read")
        return data

    def failure(self, commit: Commit, got: str) -> ArchiveError:
        self.err.seek(0)
        said = self.err.read().decode("utf-8", "replace").strip().splitlines()
        why = said[-1] if said else got or "git cat-file stopped"  # git's last word: the fatal
        return ArchiveError(f"cannot read blob {commit.blob} of commit {commit.commit} in epoch "
                            f"{self.epoch.number}: {why}; the repository may be corrupt (try "
                            "git fsck, or fetch the epoch again)")

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.close()
