"""ssg.apart: one step in a forked child, its value or its error brought back, dying with its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ssg import apart
from ssg.errors import ContentError, SsgError

ROOT = Path(__file__).resolve().parent.parent


def call(step, *args):
    """``apart.call`` with the process's own stdout/stderr in place (pytest swaps its own in for each
    test phase; the file descriptors stay captured): ``apart`` forks only then."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        return apart.call(step, *args)
    finally:
        sys.stdout, sys.stderr = saved


def _pid_and(value):
    return os.getpid(), value


def test_value_comes_back_from_another_process():
    pid, value = call(_pid_and, {"a": [1, 2]})
    assert value == {"a": [1, 2]} and pid != os.getpid()


def _fail():
    raise ContentError("bad page", location="content/x.md")


def test_an_ssg_error_is_raised_again_with_its_kind_and_location():
    with pytest.raises(ContentError) as caught:
        call(_fail)
    assert caught.value.message == "bad page" and caught.value.location == "content/x.md"


def _crash():
    return 1 / 0


def _killed():
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_crash_or_a_killed_child_is_a_one_line_error():
    with pytest.raises(SsgError, match="ZeroDivisionError"):
        call(_crash)
    with pytest.raises(SsgError, match="died .signal 9"):
        call(_killed)


def test_output_written_before_and_in_the_child_is_kept_in_order(capfd):
    sys.__stdout__.write("before\n")  # left in the buffer: flushed before the fork, not twice
    call(print, "inside")
    print("after")
    assert capfd.readouterr().out == "before\ninside\nafter\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_child_dies_with_its_parent(tmp_path):
    marker = tmp_path / "child.pid"
    script = (f"import os, time\nfrom ssg import apart\n"
              f"def step():\n    open({str(marker)!r}, 'w').write(str(os.getpid()))\n    time.sleep(60)\n"
              f"apart.call(step)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    for _ in range(200):
        if marker.exists() and marker.read_text():
            break
        time.sleep(0.05)
    child = int(marker.read_text())
    proc.kill()
    proc.wait(timeout=10)
    for _ in range(200):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail("the child outlived its killed parent")


def test_replaced_streams_keep_the_step_in_this_process(monkeypatch):
    import io
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    pid, _ = apart.call(_pid_and, 1)
    assert pid == os.getpid()


def _wait_for(path: Path, value: int) -> int:
    for _ in range(500):
        if path.exists():
            return value
        time.sleep(0.01)
    return -1


def test_start_returns_while_the_child_works(tmp_path):
    """The parent goes on with other work; the child sees what the parent did meanwhile."""
    flag = tmp_path / "parent-went-on"
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        pending = apart.start(_wait_for, flag, 7)
        assert not pending.ended()
        flag.write_text("yes")  # the child is still waiting for this
        for _ in range(500):
            if pending.ended():
                break
            time.sleep(0.01)
        assert pending.ended() and pending.wait() == 7
    finally:
        sys.stdout, sys.stderr = saved


def test_in_this_process_an_error_comes_at_wait(monkeypatch):
    import io
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    pending = apart.start(_fail)  # ran already, here
    assert pending.ended()
    with pytest.raises(ContentError, match="bad page"):
        pending.wait()


def test_outlive_keeps_the_last_object_given_and_a_build_gives_its_renderer(tmp_path):
    """``ssg`` ends with ``os._exit``: what a build hands to ``outlive`` is never freed object by
    object.  Only the last object given is kept (a process running many builds, the test
    suite, holds one renderer, not all)."""
    import shutil
    import weakref

    from ssg.render import Renderer, build
    from tests.test_render import QUIET, SAMPLE, conf

    class Big:
        pass
    a, b = Big(), Big()
    first, second = weakref.ref(a), weakref.ref(b)
    apart.outlive(a)
    del a
    assert first() is not None
    apart.outlive(b)
    del b
    assert first() is None and second() is not None
    shutil.copytree(SAMPLE, tmp_path / "content")
    build(conf(tmp_path), **QUIET)
    assert second() is None and isinstance(apart._kept[0], Renderer)
