"""``ssg deploy`` against a local bare remote: content, history, refusals, untouched work tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ssg import __version__
from ssg.deploy import deploy_site
from ssg.errors import DeployError

IDENTITY = {
    "GIT_AUTHOR_NAME": "Tester", "GIT_AUTHOR_EMAIL": "tester@example.org",
    "GIT_COMMITTER_NAME": "Tester", "GIT_COMMITTER_EMAIL": "tester@example.org",
}


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "remote.git"
    git("init", "-q", "--bare", "-b", "main", str(path), cwd=tmp_path)
    return path


@pytest.fixture
def repo(tmp_path: Path, remote: Path) -> Path:
    """A source repository with one commit, an ignored site/ and remote 'origin'."""
    path = tmp_path / "src"
    git("init", "-q", "-b", "main", str(path), cwd=tmp_path)
    write(path, {"ssg.toml": 'site_name = "x"\n', ".gitignore": "site/\n", "content/index.md": "home\n"})
    git("add", ".", cwd=path)
    git("commit", "-qm", "source", cwd=path)
    git("remote", "add", "origin", remote.as_uri(), cwd=path)
    return path


SITE = {"index.html": "<h1>home</h1>\n", "digests/2026-w01/index.html": "<p>digest</p>\n",
        "assets/logo.png": bytes(range(256)), "404.html": "missing\n"}


@pytest.fixture
def site(repo: Path) -> Path:
    write(repo / "site", SITE)
    return repo / "site"


def tree_of(remote: Path, ref: str = "gh-pages") -> dict[str, bytes]:
    names = git("ls-tree", "-r", "-z", "--name-only", ref, cwd=remote).strip("\0").split("\0")
    return {name: subprocess.run(["git", "show", f"{ref}:{name}"], cwd=remote, check=True,
                                 capture_output=True).stdout for name in names}


def commits(remote: Path, ref: str = "gh-pages") -> int:
    return int(git("rev-list", "--count", ref, cwd=remote))


def quiet(line: str) -> None:
    pass


def test_first_deploy_publishes_the_site_plus_nojekyll(repo: Path, site: Path, remote: Path) -> None:
    lines: list[str] = []
    report = deploy_site(site, repo, log=lines.append)
    assert report.published and report.files == len(SITE) + 1
    assert report.remote == "origin" and report.branch == "gh-pages"
    assert git("rev-parse", "gh-pages", cwd=remote) == report.commit
    expected = {rel: (v if isinstance(v, bytes) else v.encode()) for rel, v in SITE.items()}
    assert tree_of(remote) == {**expected, ".nojekyll": b""}
    assert commits(remote) == 1
    head = git("rev-parse", "--short", "HEAD", cwd=repo)
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=remote) == f"Deployed {head} with ssg {__version__}"
    assert git("rev-parse", "gh-pages", cwd=repo) == report.commit  # local branch follows
    assert git("rev-parse", "origin/gh-pages", cwd=repo) == report.commit
    assert any("published" in line for line in lines)


def test_cname_is_written(repo: Path, site: Path, remote: Path) -> None:
    deploy_site(site, repo, cname="digest.example.org", log=quiet)
    assert tree_of(remote)["CNAME"] == b"digest.example.org\n"


def test_existing_nojekyll_is_kept(repo: Path, site: Path, remote: Path) -> None:
    write(site, {".nojekyll": "kept\n"})
    deploy_site(site, repo, log=quiet)
    assert tree_of(remote)[".nojekyll"] == b"kept\n"


def test_second_deploy_with_a_change_keeps_history(repo: Path, site: Path, remote: Path) -> None:
    first = deploy_site(site, repo, log=quiet)
    write(site, {"digests/2026-w02/index.html": "<p>next</p>\n"})
    (site / "404.html").unlink()
    second = deploy_site(site, repo, message="Site at {sha}", log=quiet)
    assert second.published and second.commit != first.commit
    assert commits(remote) == 2
    assert git("rev-parse", "gh-pages^", cwd=remote) == first.commit
    published = tree_of(remote)
    assert "digests/2026-w02/index.html" in published and "404.html" not in published
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=remote) == \
        f"Site at {git('rev-parse', '--short', 'HEAD', cwd=repo)}"


def test_unchanged_site_is_nothing_to_publish(repo: Path, site: Path, remote: Path) -> None:
    first = deploy_site(site, repo, log=quiet)
    lines: list[str] = []
    again = deploy_site(site, repo, log=lines.append)
    assert not again.published and again.reason == "nothing to publish"
    assert again.commit == first.commit
    assert commits(remote) == 1
    assert lines[-1].startswith("nothing to publish")


def test_no_history_squashes_to_one_commit(repo: Path, site: Path, remote: Path) -> None:
    deploy_site(site, repo, log=quiet)
    write(site, {"index.html": "<h1>new home</h1>\n"})
    deploy_site(site, repo, log=quiet)
    assert commits(remote) == 2
    write(site, {"index.html": "<h1>newer home</h1>\n"})
    report = deploy_site(site, repo, no_history=True, log=quiet)
    assert report.published and commits(remote) == 1
    assert git("rev-list", "--parents", "-n1", "gh-pages", cwd=remote) == report.commit  # a root commit
    assert tree_of(remote)["index.html"] == b"<h1>newer home</h1>\n"
    again = deploy_site(site, repo, no_history=True, log=quiet)
    assert not again.published and commits(remote) == 1


def test_history_kept_on_top_of_someone_elses_deploy(repo: Path, site: Path, remote: Path,
                                                     tmp_path: Path) -> None:
    """The parent is the remote tip, even when this clone never had the branch."""
    deploy_site(site, repo, log=quiet)
    other = tmp_path / "other"
    git("clone", "-q", remote.as_uri(), str(other), cwd=tmp_path)
    write(other / "site", {"index.html": "other\n"})
    theirs = deploy_site(other / "site", other, log=quiet)
    ours = deploy_site(site, repo, log=quiet)
    assert ours.published and commits(remote) == 3
    assert git("rev-parse", "gh-pages^", cwd=remote) == theirs.commit


def test_work_tree_index_and_head_are_untouched(repo: Path, site: Path, remote: Path) -> None:
    write(repo, {"content/index.md": "edited but not staged\n", "content/new.md": "untracked\n",
                 "ssg.toml": 'site_name = "staged"\n'})
    git("add", "ssg.toml", cwd=repo)

    def state() -> tuple[str, ...]:
        return (git("status", "--porcelain", "--untracked-files=all", cwd=repo),
                git("rev-parse", "HEAD", cwd=repo), git("symbolic-ref", "HEAD", cwd=repo),
                git("ls-files", "--stage", cwd=repo), git("diff", "--cached", cwd=repo),
                git("diff", cwd=repo), (repo / "content/index.md").read_text())

    before = state()
    assert before[0]  # really dirty
    deploy_site(site, repo, log=quiet)
    write(site, {"index.html": "changed\n"})
    deploy_site(site, repo, log=quiet)
    deploy_site(site, repo, no_history=True, log=quiet)
    assert state() == before


def test_site_outside_the_repository_and_nested_dirs(repo: Path, remote: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "site"
    write(out, {"a/b/c/d.html": "deep\n", "sp ace/é.html": "unicode\n"})
    deploy_site(out, repo / "content", log=quiet)  # repo_dir may be any directory inside the repo
    assert set(tree_of(remote)) == {"a/b/c/d.html", "sp ace/é.html", ".nojekyll"}


def test_executable_bit_and_symlink_are_preserved(repo: Path, site: Path, remote: Path) -> None:
    write(site, {"tool.sh": "#!/bin/sh\n"})
    (site / "tool.sh").chmod(0o755)
    (site / "latest.html").symlink_to("index.html")
    deploy_site(site, repo, log=quiet)
    modes = {line.split("\t")[1]: line.split()[0] for line in
             git("ls-tree", "-r", "gh-pages", cwd=remote).splitlines()}
    assert modes["tool.sh"] == "100755" and modes["latest.html"] == "120000"
    assert modes["index.html"] == "100644"


def test_message_sha_unknown_without_commits(tmp_path: Path, remote: Path) -> None:
    repo = tmp_path / "fresh"
    git("init", "-q", "-b", "main", str(repo), cwd=tmp_path)
    git("remote", "add", "origin", remote.as_uri(), cwd=repo)
    write(repo / "site", {"index.html": "x\n"})
    deploy_site(repo / "site", repo, log=quiet)
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=remote) == f"Deployed unknown with ssg {__version__}"


def test_fallback_identity_when_git_has_none(repo: Path, site: Path, remote: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for key in IDENTITY:
        monkeypatch.delenv(key)
    git("config", "user.useConfigOnly", "true", cwd=repo)
    deploy_site(site, repo, log=quiet)
    assert git("log", "-1", "--format=%an <%ae>", "gh-pages", cwd=remote) == "ssg <ssg@localhost>"


# --- refusals ----------------------------------------------------------------------

def one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


def test_refuses_outside_a_git_repository(tmp_path: Path) -> None:
    write(tmp_path / "plain/site", {"index.html": "x"})
    with pytest.raises(DeployError) as err:
        deploy_site(tmp_path / "plain/site", tmp_path / "plain", log=quiet)
    assert "not in a git repository" in one_line(err) and "git init" in str(err.value)


def test_refuses_a_missing_remote(repo: Path, site: Path) -> None:
    with pytest.raises(DeployError) as err:
        deploy_site(site, repo, remote="upstream", log=quiet)
    assert "no git remote 'upstream'" in one_line(err) and "git remote add upstream" in str(err.value)


def test_refuses_an_unreachable_remote(repo: Path, site: Path, tmp_path: Path) -> None:
    git("remote", "add", "gone", (tmp_path / "gone.git").as_uri(), cwd=repo)
    with pytest.raises(DeployError) as err:
        deploy_site(site, repo, remote="gone", log=quiet)
    assert "cannot reach remote 'gone'" in one_line(err)


def test_refuses_missing_or_empty_site(repo: Path) -> None:
    with pytest.raises(DeployError) as err:
        deploy_site(repo / "site", repo, log=quiet)
    assert "missing" in one_line(err) and "ssg build" in str(err.value)
    (repo / "site/empty-dir").mkdir(parents=True)
    with pytest.raises(DeployError) as err:
        deploy_site(repo / "site", repo, log=quiet)
    assert "empty" in one_line(err)


def test_refuses_a_checked_out_branch_and_bad_names(repo: Path, site: Path) -> None:
    with pytest.raises(DeployError, match="checked out"):
        deploy_site(site, repo, branch="main", log=quiet)
    with pytest.raises(DeployError, match="not a valid branch name"):
        deploy_site(site, repo, branch="bad..name", log=quiet)


def test_diverged_local_branch_needs_force(repo: Path, site: Path, remote: Path, tmp_path: Path) -> None:
    deploy_site(site, repo, log=quiet)
    other = tmp_path / "other"
    git("clone", "-q", remote.as_uri(), str(other), cwd=tmp_path)
    write(other / "site", {"index.html": "theirs\n"})
    deploy_site(other / "site", other, log=quiet)
    # a local-only commit on gh-pages in our clone
    tree = git("rev-parse", "gh-pages^{tree}", cwd=repo)
    mine = git("commit-tree", tree, "-p", "gh-pages", "-m", "local", cwd=repo)
    git("update-ref", "refs/heads/gh-pages", mine, cwd=repo)
    write(site, {"index.html": "ours\n"})
    with pytest.raises(DeployError) as err:
        deploy_site(site, repo, log=quiet)
    assert "diverged" in one_line(err) and "--force" in str(err.value)
    report = deploy_site(site, repo, force=True, log=quiet)
    assert report.published
    assert git("rev-parse", "gh-pages^", cwd=remote) == mine


def test_unpublished_local_commit_is_pushed(repo: Path, site: Path, remote: Path) -> None:
    first = deploy_site(site, repo, log=quiet)
    tree = git("rev-parse", "gh-pages^{tree}", cwd=repo)
    local = git("commit-tree", tree, "-p", first.commit, "-m", "local only", cwd=repo)
    git("update-ref", "refs/heads/gh-pages", local, cwd=repo)
    report = deploy_site(site, repo, log=quiet)
    assert report.published and report.commit == local
    assert git("rev-parse", "gh-pages", cwd=remote) == local


def test_rejected_push_leaves_the_local_branch_alone(repo: Path, site: Path, remote: Path) -> None:
    first = deploy_site(site, repo, log=quiet)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'no pushes today' >&2\nexit 1\n")
    hook.chmod(0o755)
    write(site, {"index.html": "changed\n"})
    with pytest.raises(DeployError) as err:
        deploy_site(site, repo, log=quiet)
    assert "push to 'origin' failed" in one_line(err)
    assert git("rev-parse", "gh-pages", cwd=repo) == first.commit


def test_gitignore_rules_do_not_hide_site_files(repo: Path, remote: Path) -> None:
    """The site is published as it is: ignore rules and a stray site/.git do not apply."""
    write(repo / "site", {"index.html": "x\n", ".gitignore": "*.html\n", ".git/config": "junk\n",
                          "ssg.toml": "looks ignored\n"})
    (repo / ".git/info/exclude").write_text("*.toml\n")
    deploy_site(repo / "site", repo, log=quiet)
    assert set(tree_of(remote)) == {"index.html", ".gitignore", "ssg.toml", ".nojekyll"}


def test_a_branch_holding_the_sources_is_refused_unless_forced(repo: Path, site: Path, remote: Path) -> None:
    git("push", "-q", "origin", "main", cwd=repo)
    git("checkout", "-q", "-b", "feature", cwd=repo)  # main is not checked out now, and holds ssg.toml
    with pytest.raises(DeployError, match=r"branch 'main' holds this project's sources \(ssg.toml is in"):
        deploy_site(site, repo, branch="main", log=quiet)
    assert "ssg.toml" in tree_of(remote, "main") and commits(remote, "main") == 1
    sub = repo / "docs-site"  # a project in a sub-directory: its own ssg.toml, by path
    write(sub, {"ssg.toml": 'site_name = "y"\n'})
    git("add", ".", cwd=repo)
    git("commit", "-qm", "second project", cwd=repo)
    git("branch", "-q", "pub", cwd=repo)
    with pytest.raises(DeployError, match=r"docs-site/ssg.toml is in"):
        deploy_site(site, sub, branch="pub", log=quiet)
    report = deploy_site(site, repo, branch="main", force=True, log=quiet)  # meant: on top of main
    assert report.published and tree_of(remote, "main") == {**{k: v if isinstance(v, bytes) else v.encode()
                                                               for k, v in SITE.items()}, ".nojekyll": b""}


def test_ssg_deploy_builds_from_the_archive_then_publishes(tmp_path: Path, remote: Path) -> None:
    """The whole command on a project with an archive: digest, render, push.  (It stopped
    with AttributeError 'no_digest' before the build; and its --force, which is about the
    push, reached the digest, where it means "overwrite pages edited by hand".)"""
    import sys

    from tests.test_hardstop import env, example_project
    project = example_project(tmp_path / "demo")
    (project / ".gitignore").write_text("site/\n.ssg-cache/\ninbox/\n")
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "ssg.toml", ".gitignore", cwd=project)
    git("commit", "-qm", "source", cwd=project)
    git("remote", "add", "origin", remote.as_uri(), cwd=project)

    def deploy(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "ssg", "deploy", *args], cwd=project, env=env() | IDENTITY,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout + proc.stderr

    out = deploy()
    assert "deploy: published" in out and "digest:" in out
    published = tree_of(remote)
    assert "index.html" in published and any(name.startswith("series/") for name in published)
    assert published["index.html"] == (project / "site" / "index.html").read_bytes()
    home = project / "content" / "index.md"
    home.write_text(home.read_text() + "\nA line written by hand.\n")
    out = deploy("--force")
    assert "edited by hand" in out and "A line written by hand." in home.read_text()
    assert b"A line written by hand." in tree_of(remote)["index.html"]
