"""The command line in-process: help, version, exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ssg import __version__, cli


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for name in ("init", "digest", "build", "serve", "deploy", "fetch", "import", "export", "scan"):
        assert name in out


def test_version_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "ssg", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"ssg {__version__}"


def test_no_command_prints_help_and_fails(capsys):
    assert cli.main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_every_command_has_a_handler():
    handlers = cli._handlers()
    from ssg import commands
    for name in cli.COMMANDS:
        assert hasattr(commands, "cmd_" + name), name
        assert handlers[name].__name__ == "cmd_" + name


def test_scan_missing_archive_is_one_line(tmp_path, capsys):
    assert cli.main(["scan", "--archive", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no public-inbox archive" in err


def test_debug_shows_traceback(tmp_path):
    with pytest.raises(Exception):
        cli.main(["scan", "--archive", str(tmp_path / "nope"), "--debug"])


def test_the_program_leaves_with_its_code_and_everything_it_said(tmp_path):
    """``ssg`` (``cli.run``) leaves through ``os._exit`` after ``main`` to skip the heap's
    teardown; what it printed still arrives, the exit code is main's, and the site is
    complete."""
    site = tmp_path / "s"
    init = subprocess.run([sys.executable, "-m", "ssg", "init", str(site)], capture_output=True, text=True)
    assert init.returncode == 0 and init.stdout.splitlines()[-1].startswith("next: cd ")
    (site / "content" / "more.md").write_text("# More\n\n" + "A line.\n" * 2000, "utf-8")
    build = subprocess.run([sys.executable, "-m", "ssg", "build", "--no-digest"], cwd=site, capture_output=True,
                           text=True)
    assert build.returncode == 0, build.stderr
    assert build.stderr.splitlines()[-1].startswith("build: 2 pages into ")
    assert (site / "site" / "more" / "index.html").read_text("utf-8").count("A line.") == 2000
    fail = subprocess.run([sys.executable, "-m", "ssg", "build", "-f", str(tmp_path / "none.toml")],
                          capture_output=True, text=True)
    assert fail.returncode == 1 and fail.stderr.strip().endswith("config file not found")


def test_a_build_named_from_elsewhere_finds_the_projects_caches(tmp_path):
    """The caches' keys hold the configuration, not the path its file was named by:
    ``ssg build -f demo/ssg.toml`` after ``ssg build`` in demo/ renders nothing again
    (it used to re-render every page and restage the index pages)."""
    from tests.test_hardstop import env, example_project
    project = example_project(tmp_path / "demo")

    def build(cwd, *args):
        proc = subprocess.run([sys.executable, "-m", "ssg", "build", *args], cwd=cwd, env=env(),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout + proc.stderr

    first = build(project)
    assert "0 pages into" not in first
    for cwd, name in ((tmp_path, "demo/ssg.toml"), (project / "content", "../ssg.toml"),
                      (tmp_path, str(project / "ssg.toml"))):
        again = build(cwd, "-f", name)
        assert "0 files written, 0 unchanged" in again, again
        assert "build: 0 pages into" in again, again
