"""A full disk: ``ssg build`` on a real (small) tmpfs that runs out of space at
different moments of a build with new mail says so in one line, with no traceback;
content/ and site/ are each as the last run left them or as the new run makes them,
never a mix; nothing of the failed batch is left holding space; and once space is
freed the next build equals a clean one.

Needs to mount a tmpfs (root, or CAP_SYS_ADMIN): skipped otherwise.  The project is
the hard-stop tests' (the example archive's first messages, then a second batch of
our own mail)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ssg.inbox import InboxWriter
from tests.test_hardstop import env, example_project, second_batch, snapshot, which

FREE_KB = (0, 48, 120, 135, 150, 165, 175, 180, 183, 185, 187, 190, 200, 240, 700)
"""Space left free before the build with new mail: from nothing to more than it needs,
closer together where the digest's batch and then site/'s are written."""
OUTCOMES: dict[int, tuple[int, str, str]] = {}
"""Per trial: the build's exit code, and whether content/ and site/ were old or new after it."""


def build(cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ssg", "build", "-q", "-f", str(cwd / "ssg.toml"), *extra],
                          cwd=cwd, env=env(), capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def tmpfs(tmp_path_factory):
    where = tmp_path_factory.mktemp("tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> dict:
    """The old state (built), its inbox holding the new mail already; and the new state, clean."""
    root = tmp_path_factory.mktemp("diskfull")
    start = example_project(root / "start")
    assert build(start).returncode == 0
    old = snapshot(start / "content"), snapshot(start / "site")
    with InboxWriter(start / "inbox") as w:
        for raw in second_batch():
            w.add(raw)
    ref = root / "reference"
    shutil.copytree(start, ref, symlinks=True)
    assert build(ref).returncode == 0
    new = snapshot(ref / "content"), snapshot(ref / "site")
    assert new != old
    return {"start": start, "old": old, "new": new}


def fill(where: Path, leave: int) -> Path:
    """A file taking all the free space of ``where``'s file system but ``leave`` bytes."""
    st = os.statvfs(where)
    filler = where / "filler"
    with open(filler, "wb") as f:
        left = st.f_bavail * st.f_frsize - leave
        while left > 0:
            try:
                left -= f.write(b"\0" * min(left, 1 << 20))
            except OSError:
                break
    return filler


@pytest.mark.parametrize("free_kb", FREE_KB)
def test_a_build_that_fills_the_disk_fails_cleanly_and_the_next_one_completes(project, tmpfs, free_kb):
    work = tmpfs / f"free-{free_kb}"
    shutil.copytree(project["start"], work, symlinks=True)
    assert build(work, "--no-digest").returncode == 0  # this site/ is the snapshot's: updated in place
    filler = fill(tmpfs, free_kb * 1024)
    try:
        done = build(work)
        content, site = snapshot(work / "content"), snapshot(work / "site")
        leftovers = sorted(p.name for p in [*work.glob(".site.*"), *(work / "content").glob(".ssg-*")])
    finally:
        filler.unlink()
    if done.returncode != 0:
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith("ssg: error: ") and done.stderr.count("\n") == 1, done.stderr
        assert "No space left on device" in done.stderr or "disk is full" in done.stderr, done.stderr
        assert "free some space and run again" in done.stderr
        assert leftovers == [], leftovers  # no staged batch or half-built site keeps the space
    OUTCOMES[free_kb] = (done.returncode, which(content, project["old"][0], project["new"][0]),
                         which(site, project["old"][1], project["new"][1]))
    assert OUTCOMES[free_kb][1:] in (("old", "old"), ("new", "old"), ("new", "new")), OUTCOMES[free_kb]
    again = build(work)
    assert again.returncode == 0, again.stderr
    assert snapshot(work / "content") == project["new"][0]
    assert snapshot(work / "site") == project["new"][1]
    shutil.rmtree(work)


def test_the_trials_ran_out_of_space_at_each_stage():
    """The trials above prove something only if the disk filled at each stage: in the
    digest (nothing new anywhere), in the render (content/ new, site/ old), and not at
    all.  If the project's sizes move, FREE_KB has to move with them."""
    if set(OUTCOMES) != set(FREE_KB):
        pytest.skip("needs every trial of the parametrised test to have run")
    assert {(1, "old", "old"), (1, "new", "old"), (0, "new", "new")} <= set(OUTCOMES.values()), OUTCOMES


def test_what_the_user_is_told_of_errors_from_the_machine():
    import sqlite3

    from ssg.errors import environmental

    full = environmental(OSError(28, "No space left on device", "/usr/share/theme/favicon.svg"))
    assert full.location == "" and "free some space and run again" in str(full)  # (the file copied from)
    ro = environmental(OSError(30, "Read-only file system", "/srv/site/index.html"))
    assert str(ro) == "/srv/site/index.html: Read-only file system"
    assert environmental(PermissionError(13, "Permission denied", "/srv/\x1b[31mx")).location == "/srv/\\x1b[31mx"
    assert "database or disk is full" in str(environmental(sqlite3.OperationalError("database or disk is full")))
    assert environmental(sqlite3.IntegrityError("UNIQUE constraint failed")) is None  # ssg's own bug: a crash
    assert environmental(ValueError("x")) is None and environmental(BrokenPipeError(32, "pipe")) is None
