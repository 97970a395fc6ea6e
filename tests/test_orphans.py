"""A build killed alone (SIGKILL to its main process only, as the OOM killer or ``kill -9``
would) takes every process it forked with it: none renders or parses on by itself.

``tests/test_hardstop.py`` kills whole process groups and checks the files; this checks
the processes.  Each forked worker arms PR_SET_PDEATHSIG (``apart.die_with_parent``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.add(int(entry))
    return found


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2:].split()[0] != "Z":
            out.add(pid)
    return out


def survivors_of_killed_main(cmd: list[str], cwd: Path, want: int) -> tuple[set[int], set[int]]:
    """Start ``cmd``; once its main process has ``want`` children, SIGKILL that process alone.
    Gives (the children seen then, those still running 2 s later); the group is killed at the end."""
    proc = subprocess.Popen(cmd, cwd=cwd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        kids: set[int] = set()
        while len(kids) < want:
            assert proc.poll() is None, f"ended before forking {want}: {proc.stderr.read().decode()}"
            assert time.monotonic() < deadline, "never forked"
            kids = children(proc.pid)
            time.sleep(0.005)
        time.sleep(0.1)  # the children are past their start-up
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        end = time.monotonic() + 2.0
        while alive(kids) and time.monotonic() < end:
            time.sleep(0.01)
        return kids, alive(kids)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_render_workers_die_with_a_killed_build(tmp_path: Path) -> None:
    docs = tmp_path / "content"
    para = "Lorem *ipsum* dolor sit amet, [a link](index.md), `code` and more words. " * 20
    block = "```c\nint main(void) { return 0; }\n```\n"
    for n in range(900):  # a full pass of this takes seconds in two worker processes
        page = docs / f"p{n // 100}" / f"page{n}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"# Page {n}\n\n" + "\n\n".join([para, block] * 12) + "\n")
    (docs / "index.md").write_text("# Home\n")
    (tmp_path / "ssg.toml").write_text('site_name = "orphans"\n')
    kids, left = survivors_of_killed_main([sys.executable, "-m", "ssg", "build", "-q"], tmp_path, want=2)
    assert len(kids) >= 2
    assert not left, "render workers went on after their build was killed"


def test_ordered_map_workers_die_with_their_parent(tmp_path: Path) -> None:
    script = tmp_path / "slow_map.py"
    script.write_text(textwrap.dedent("""
        import time
        from ssg.workers import ordered_map

        def slow(n):
            time.sleep(30)
            return [n]

        for _ in ordered_map(slow, range(4)):
            pass
    """))
    kids, left = survivors_of_killed_main([sys.executable, str(script)], tmp_path, want=2)
    assert len(kids) == 2
    assert not left, "ordered_map workers outlived their parent"
