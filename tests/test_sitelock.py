"""One writer per site (``ssg.sitelock``): a second run waits for the first instead of
failing on the index ("database is locked") or racing on content/'s and site/'s swaps.

Real processes on a real public-inbox archive made by the test: the lock is held
by another process, or two builds start together."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ssg import sitelock
from tests.test_hardstop import CONFIG, env, example_project



def ssg(cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ssg", *args, "-f", str(cwd / "ssg.toml")], cwd=cwd, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def project(tmp_path) -> Path:
    return example_project(tmp_path / "p", 30)


def test_a_build_waits_for_the_process_holding_the_lock_then_completes(project):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from ssg import sitelock\n"
         "with sitelock.hold(Path(sys.argv[1]), print):\n"
         "    print('held', flush=True); sys.stdin.read()", str(project / ".ssg-cache")],
        cwd=project, env=env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        build = ssg(project, "build")
        first = build.stderr.readline()
        assert "waiting for another ssg run in this site to finish" in first
        assert f"pid {holder.pid}," in first
        time.sleep(0.5)
        assert build.poll() is None  # still waiting: nothing digested or rendered meanwhile
        assert not (project / "content").exists() and not (project / "site").exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    _, rest = build.communicate(timeout=120)
    assert build.returncode == 0, rest
    assert (project / "site" / "index.html").is_file()
    assert any(project.joinpath("content").rglob("*.md"))


def test_two_builds_started_together_both_succeed_and_equal_one_build(project, tmp_path_factory):
    reference = tmp_path_factory.mktemp("reference")
    (reference / "ssg.toml").write_text(CONFIG)
    os.symlink(project / "inbox", reference / "inbox")
    alone = ssg(reference, "build")
    assert alone.wait(timeout=120) == 0, alone.stderr.read()

    runs = [ssg(project, "build"), ssg(project, "build")]
    errors = [run.communicate(timeout=180)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    assert not any("locked" in e or "Traceback" in e for e in errors), errors
    assert tree(project / "content") == tree(reference / "content")
    assert tree(project / "site") == tree(reference / "site")


def test_the_lock_is_held_once_per_process_and_names_its_holder(tmp_path):
    said: list[str] = []
    with sitelock.hold(tmp_path, said.append):
        with sitelock.hold(tmp_path, said.append):  # a command inside another (deploy → build): no wait
            pid, when, command = (tmp_path / "lock").read_text().rstrip("\n").split("\t")
    assert said == [] and pid == str(os.getpid()) and command.startswith("ssg")
    assert time.strptime(when, "%Y-%m-%d %H:%M:%S")
    with sitelock.hold(tmp_path, said.append):  # released when the block ended
        pass
    assert said == []
