"""``ssg deploy``: publish site/ to a gh-pages branch with git plumbing.

The site is committed through a throwaway index (``GIT_INDEX_FILE`` in a
temporary directory): ``hash-object`` → ``update-index --index-info`` →
``write-tree`` → ``commit-tree``.  The user's working tree, index and current
branch are never touched; only the objects database, ``refs/heads/<branch>`` and
the remote-tracking ref of ``<remote>/<branch>`` change.

The new commit's parent is the published branch tip (fetched first), so the
branch keeps its history, unless ``no_history`` asks for a single root commit
(force-pushed).  A site whose tree equals the parent's is not published again.
The commit is pushed first and the local branch moved only after the push
succeeded, so a rejected push leaves nothing behind but unreferenced objects.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ssg import __version__
from ssg.errors import DeployError

DEFAULT_MESSAGE = "Deployed {sha} with ssg {version}"
FALLBACK_IDENTITY = {"GIT_AUTHOR_NAME": "ssg", "GIT_AUTHOR_EMAIL": "ssg@localhost",
                     "GIT_COMMITTER_NAME": "ssg", "GIT_COMMITTER_EMAIL": "ssg@localhost"}


@dataclass(frozen=True, slots=True)
class DeployReport:
    """What ``deploy_site`` did."""

    published: bool
    """True when a commit was pushed to the remote."""
    commit: str
    """The commit now at the tip of the branch (empty when nothing was ever published)."""
    reason: str
    """One line for the user: what happened and why."""
    remote: str = ""
    """The git remote pushed to."""
    branch: str = ""
    """The branch that holds the site."""
    files: int = 0
    """Files in the published tree (including .nojekyll and CNAME)."""


class _Repo:
    """Runs git in the source repository with a sanitised environment."""

    def __init__(self, repo_dir: Path) -> None:
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                                 "GIT_NAMESPACE", "GIT_PREFIX")}
        self.env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")
        if not Path(repo_dir).is_dir():
            raise DeployError("no such directory; run ssg deploy inside the site's git repository",
                              location=str(repo_dir))
        self.cwd = Path(repo_dir)
        proc = self.run("rev-parse", "--absolute-git-dir", check=False)
        if proc.returncode != 0:
            raise DeployError("not in a git repository; run 'git init' and 'git remote add origin URL' "
                              "first (ssg deploy publishes through git)", location=str(repo_dir))
        self.git_dir = proc.stdout.strip()

    def run(self, *args: str, check: bool = True, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        try:
            proc = subprocess.run(["git", *args], cwd=self.cwd, input=stdin, capture_output=True,
                                  text=True, env={**self.env, **(env or {})})
        except FileNotFoundError:
            raise DeployError("git is not installed (or not on PATH); install git and try again") from None
        if check and proc.returncode != 0:
            raise DeployError(f"git {args[0]} failed: {_last_line(proc.stderr)}")
        return proc

    def out(self, *args: str, **kw) -> str:
        return self.run(*args, **kw).stdout.strip()

    def rev(self, name: str) -> str:
        """The commit ``name`` points at, or empty."""
        proc = self.run("rev-parse", "-q", "--verify", f"{name}^{{commit}}", check=False)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    def is_ancestor(self, a: str, b: str) -> bool:
        return self.run("merge-base", "--is-ancestor", a, b, check=False).returncode == 0


def _last_line(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:", "!"))]
    line = (fatal or lines or ["unknown error"])[0]
    return line.removeprefix("fatal: ").removeprefix("error: ")


def _site_files(site_dir: Path) -> list[tuple[str, Path, bool]]:
    """(relative posix path, path, is symlink) for every file under ``site_dir``, sorted."""
    found = []
    for root, dirs, files in os.walk(site_dir):
        dirs[:] = sorted(d for d in dirs if d != ".git" and not Path(root, d).is_symlink())
        links = [d for d in os.listdir(root) if Path(root, d).is_dir() and Path(root, d).is_symlink()]
        for name in sorted(files + links):
            path = Path(root, name)
            if not path.is_symlink() and not path.is_file():
                continue  # sockets, fifos: nothing to publish
            rel = path.relative_to(site_dir).as_posix()
            if "\n" in rel or "\0" in rel:
                raise DeployError(f"file name with a line break cannot be published: {rel!r}",
                                  location=str(site_dir))
            found.append((rel, path, path.is_symlink()))
    return found


def _check_site(site_dir: Path) -> None:
    if not site_dir.is_dir():
        raise DeployError("site directory is missing; run 'ssg build' first (or drop --no-build)",
                          location=str(site_dir))
    if not any((p.is_file() or p.is_symlink()) and ".git" not in p.relative_to(site_dir).parts
               for p in site_dir.rglob("*")):
        raise DeployError("site directory is empty; run 'ssg build' first", location=str(site_dir))


def _write_tree(repo: _Repo, site_dir: Path, cname: str) -> tuple[str, int]:
    """Hash the site into the object database through a throwaway index; (tree, file count)."""
    files = _site_files(site_dir)
    regular = [(rel, path) for rel, path, link in files if not link]
    shas = repo.out("hash-object", "-w", "--no-filters", "--stdin-paths",
                    stdin="".join(f"{path}\n" for _, path in regular)).split() if regular else []
    entries: dict[str, tuple[str, str]] = {}
    for (rel, path), sha in zip(regular, shas):
        mode = "100755" if os.stat(path).st_mode & stat.S_IXUSR else "100644"
        entries[rel] = (mode, sha)
    for rel, path, link in files:
        if link:
            entries[rel] = ("120000", repo.out("hash-object", "-w", "--stdin", stdin=os.readlink(path)))
    extras = {".nojekyll": ""} if ".nojekyll" not in entries else {}
    if cname:
        extras["CNAME"] = cname.strip() + "\n"
    for rel, text in extras.items():
        entries[rel] = ("100644", repo.out("hash-object", "-w", "--stdin", stdin=text))
    with tempfile.TemporaryDirectory(prefix="ssg-deploy-") as tmp:
        index = {"GIT_INDEX_FILE": str(Path(tmp, "index"))}
        info = "".join(f"{mode} {sha}\t{rel}\0" for rel, (mode, sha) in sorted(entries.items()))
        repo.run("update-index", "--add", "-z", "--index-info", stdin=info, env=index)
        tree = repo.out("write-tree", env=index)
    return tree, len(entries)


def _check_branch(repo: _Repo, branch: str) -> None:
    if repo.run("check-ref-format", "--branch", branch, check=False).returncode != 0:
        raise DeployError(f"'{branch}' is not a valid branch name; set [deploy] branch or pass --branch")
    worktrees = repo.out("worktree", "list", "--porcelain")
    if f"branch refs/heads/{branch}" in worktrees.splitlines():
        raise DeployError(f"branch '{branch}' is checked out; switch to your source branch first "
                          f"(ssg deploy publishes to '{branch}' without checking it out)")


def _check_not_sources(repo: _Repo, branch: str, tips: tuple[str, ...], force: bool) -> None:
    """Refuse a branch that holds the project's sources (its tip has this project's
    ``ssg.toml``): deploy would commit the site on top of them.  ``--force`` overrides."""
    config = repo.out("rev-parse", "--show-prefix") + "ssg.toml"
    for tip in filter(None, tips):
        if not force and repo.run("cat-file", "-e", f"{tip}:{config}", check=False).returncode == 0:
            raise DeployError(f"branch '{branch}' holds this project's sources ({config} is in {tip[:12]}), "
                              "not a published site; publish to a branch of its own (--branch, [deploy] branch; "
                              "the default is gh-pages), or pass --force if you mean it")


def _remote_tip(repo: _Repo, remote: str, branch: str, log: Callable[[str], object]) -> str:
    """Fetch ``remote``'s ``branch`` into the remote-tracking ref; its commit, or empty."""
    proc = repo.run("remote", "get-url", remote, check=False)
    if proc.returncode != 0:
        raise DeployError(f"no git remote '{remote}'; add one with 'git remote add {remote} URL' "
                          "or choose another with --remote / [deploy] remote")
    url = proc.stdout.strip()
    proc = repo.run("ls-remote", "--heads", remote, f"refs/heads/{branch}", check=False)
    if proc.returncode != 0:
        raise DeployError(f"cannot reach remote '{remote}' ({url}): {_last_line(proc.stderr)}")
    if not proc.stdout.strip():
        log(f"{remote} has no branch '{branch}' yet: it will be created")
        return ""
    tracking = f"refs/remotes/{remote}/{branch}"
    proc = repo.run("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:{tracking}", check=False)
    if proc.returncode != 0:
        raise DeployError(f"cannot fetch '{branch}' from '{remote}': {_last_line(proc.stderr)}")
    return repo.rev(tracking)


def _parent(repo: _Repo, remote_tip: str, local_tip: str, branch: str, force: bool) -> str:
    """The commit the new one builds on: the newer of remote and local tip."""
    if not remote_tip or not local_tip or local_tip == remote_tip:
        return remote_tip or local_tip
    if repo.is_ancestor(local_tip, remote_tip):
        return remote_tip
    if repo.is_ancestor(remote_tip, local_tip):
        return local_tip
    if force:
        return local_tip
    raise DeployError(f"local branch '{branch}' and the remote's have diverged; "
                      f"use --force to publish on top of the local one, or 'git branch -D {branch}'")


def _identity(repo: _Repo) -> dict[str, str]:
    """Environment for commit-tree: the user's identity, else a neutral fallback."""
    if repo.run("var", "GIT_COMMITTER_IDENT", check=False).returncode == 0 and \
            repo.run("var", "GIT_AUTHOR_IDENT", check=False).returncode == 0:
        return {}
    return FALLBACK_IDENTITY


def _message(repo: _Repo, template: str) -> str:
    proc = repo.run("rev-parse", "--short", "HEAD", check=False)
    sha = proc.stdout.strip() if proc.returncode == 0 else "unknown"
    return (template or DEFAULT_MESSAGE).replace("{sha}", sha).replace("{version}", __version__)


def _push(repo: _Repo, remote: str, commit: str, branch: str, force: bool) -> None:
    args = ["push", "--quiet", *(["--force"] if force else []), remote, f"{commit}:refs/heads/{branch}"]
    proc = repo.run(*args, check=False)
    if proc.returncode != 0:
        hint = "" if force else "; run ssg deploy again to build on the new tip, or use --force"
        raise DeployError(f"push to '{remote}' failed: {_last_line(proc.stderr)}{hint}")


def deploy_site(site_dir: Path, repo_dir: Path, *, remote: str = "origin", branch: str = "gh-pages",
                message: str = DEFAULT_MESSAGE, cname: str = "", force: bool = False,
                no_history: bool = False, log: Callable[[str], object] = print) -> DeployReport:
    """Commit ``site_dir`` to ``branch`` of the repository at ``repo_dir`` and push it.

    Raises DeployError (one line, with a way forward) when ``repo_dir`` is not in
    a git repository, the remote does not exist or cannot be reached, the site is
    missing or empty, the branch is checked out, or the push is rejected.
    """
    site_dir = Path(site_dir)
    _check_site(site_dir)
    repo = _Repo(Path(repo_dir))
    _check_branch(repo, branch)
    remote_tip = _remote_tip(repo, remote, branch, log)
    local_tip = repo.rev(f"refs/heads/{branch}")
    _check_not_sources(repo, branch, (remote_tip, local_tip), force)
    parent = "" if no_history else _parent(repo, remote_tip, local_tip, branch, force)
    tree, count = _write_tree(repo, site_dir, cname)
    done = dict(remote=remote, branch=branch, files=count)

    if no_history:
        if remote_tip and repo.out("rev-parse", f"{remote_tip}^{{tree}}") == tree \
                and not repo.out("rev-list", "--parents", "-n1", remote_tip).split()[1:]:
            log(f"nothing to publish: {remote}/{branch} is already this site as a single commit")
            return DeployReport(False, remote_tip, "nothing to publish", **done)
    elif parent and repo.out("rev-parse", f"{parent}^{{tree}}") == tree:
        if parent == remote_tip:
            log(f"nothing to publish: {remote}/{branch} already has this site ({parent[:12]})")
            return DeployReport(False, parent, "nothing to publish", **done)
        _push(repo, remote, parent, branch, force)
        log(f"pushed the unpublished local commit {parent[:12]} to {remote}/{branch}")
        return DeployReport(True, parent, "pushed an unpublished local commit", **done)

    text = _message(repo, message)
    commit = repo.out("commit-tree", tree, *(["-p", parent] if parent else []), "-m", text,
                      env=_identity(repo))
    _push(repo, remote, commit, branch, force or no_history)
    repo.run("update-ref", "-m", f"ssg deploy: {text}", f"refs/heads/{branch}", commit)
    if repo.rev(f"refs/remotes/{remote}/{branch}") != commit:
        repo.run("update-ref", f"refs/remotes/{remote}/{branch}", commit)
    what = "replaced with one commit" if no_history else ("created" if not parent else "updated")
    log(f"published {count} files to {remote}/{branch} ({what}): {commit[:12]} {text}")
    return DeployReport(True, commit, f"published {commit[:12]}", **done)
