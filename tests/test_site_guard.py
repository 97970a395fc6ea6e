"""site_dir is replaced whole by a build, so ssg refuses to point it at anything that
is not a site of its own: the project, docs_dir, cache_dir, the archive, a directory
holding any of them, or a directory of someone else's files.

(Found the hard way: ``site_dir = "/tmp"`` swapped a fresh site in for /tmp and
deleted what was there.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ssg.config import build as build_config
from ssg.errors import ConfigError
from ssg.render_swap import MARK
from tests.test_hardstop import CONFIG, env, example_project


@pytest.mark.parametrize("site_dir, says", [
    ("content", "is docs_dir"), (".", "is the project's directory"), ("", "is the project's directory"),
    ("..", "holds the project's directory"), (".ssg-cache", "is cache_dir"),
    ("content/site", "is inside docs_dir"), ("inbox", "is the archive"), ("inbox/site", "is inside the archive"),
])
def test_config_refuses_a_site_dir_that_is_or_holds_what_the_project_needs(tmp_path, site_dir, says):
    with pytest.raises(ConfigError) as err:
        build_config({"site_dir": site_dir, "archive": {"path": "inbox"}}, root=str(tmp_path))
    assert says in str(err.value) and "give the site a directory of its own" in str(err.value)


@pytest.mark.parametrize("site_dir", ["site", "public/html", "../published"])
def test_config_accepts_a_site_dir_of_its_own(tmp_path, site_dir):
    assert build_config({"site_dir": site_dir}, root=str(tmp_path / "p")).site_dir == site_dir


def ssg_build(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ssg", "build", "-q", "-f", str(cwd / "ssg.toml")], cwd=cwd,
                          env=env(), capture_output=True, text=True, timeout=180)


@pytest.fixture()
def project(tmp_path) -> Path:
    return example_project(tmp_path / "p", 20)


def test_a_build_leaves_a_directory_of_someone_elses_files_alone(project, tmp_path):
    theirs = tmp_path / "theirs"
    (theirs / "notes").mkdir(parents=True)
    (theirs / "notes" / "todo.txt").write_text("precious\n")
    (project / "ssg.toml").write_text(f'site_dir = "{theirs}"\n' + CONFIG)
    done = ssg_build(project)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"ssg: error: site_dir {theirs}: holds files ssg did not write"), done.stderr
    assert (theirs / "notes" / "todo.txt").read_text() == "precious\n"
    assert sorted(p.name for p in theirs.parent.iterdir()) == ["p", "theirs"]  # nothing swapped in beside it
    assert not (project / "content").exists()  # refused before the digest ran


def test_ssgs_own_site_is_replaced_even_from_before_the_mark_while_the_cache_names_it(project):
    (project / "site").mkdir()  # an empty directory may become the site
    assert ssg_build(project).returncode == 0
    site = project / "site"
    assert (site / MARK).is_file() and (site / "index.html").is_file()
    (site / MARK).unlink()  # a site built before ssg wrote the mark
    (project / "ssg.toml").write_text(CONFIG.replace('site_name = "Demo"', 'site_name = "Demo 2"'))
    done = ssg_build(project)  # other settings than the snapshot's: rendered beside and swapped in
    assert done.returncode == 0, done.stderr
    assert (site / MARK).is_file()
    shutil.rmtree(project / ".ssg-cache")  # the cache may go at any time: the mark is enough
    done = ssg_build(project)
    assert done.returncode == 0, done.stderr
    assert (site / "index.html").is_file()
    (site / MARK).unlink()
    shutil.rmtree(project / ".ssg-cache")  # neither the mark nor the cache says whose it is
    done = ssg_build(project)
    assert done.returncode == 1 and "holds files ssg did not write" in done.stderr
    assert (site / "index.html").is_file()
