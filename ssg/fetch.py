"""``ssg fetch``: clone or update a public-inbox archive with git.

A public-inbox v2 archive (lore.kernel.org style) is a series of git epochs,
``<url>/0``, ``<url>/1``, …  They are mirrored as bare repositories into
``<inbox>/git/0.git``, ``<inbox>/git/1.git``, … which is the layout ``archive.py``
reads.  Which epochs exist comes from the grokmirror manifest
``<url>/manifest.js.gz`` when the server has one, else from probing
``<url>/N`` with ``git ls-remote`` until one does not exist.  An epoch whose
local refs match the manifest's fingerprint (sha1 of ``git show-ref``, as
grokmirror computes it) is not fetched at all.

A URL that is itself one git repository (a v1 inbox, or a single epoch) is
mirrored as epoch 0, ``<inbox>/git/0.git``; this is decided on every run by
probing ``<url>/0`` first, then ``<url>``.

Updates are incremental (``git fetch`` transfers only new objects) and safe to
interrupt: a new epoch is cloned into a hidden ``.N.git.partial.*`` directory and
renamed into place only when complete; leftovers of an interrupted clone are
removed on the next run.  An interrupted ``git fetch`` leaves the refs as they
were.  Two fetches of the same inbox never run at once (a lock file).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ssg.errors import DeployError

MANIFEST_NAME = "manifest.js.gz"
MANIFEST_EPOCH_RE = re.compile(r"/git/(\d+)\.git/?$")
EPOCH_DIR_RE = re.compile(r"^(\d+)\.git$")
PARTIAL_PREFIX_RE = re.compile(r"^\.\d+\.git\.partial\.")
# git/curl messages that mean "the network failed", as opposed to "no such repository".
NETWORK_ERROR_RE = re.compile(
    r"could not resolve host|failed to connect|connection (refused|timed out|reset)"
    r"|operation timed out|network is unreachable|returned error: 5\d\d", re.I)
MANIFEST_TIMEOUT = 30


@dataclass(frozen=True, slots=True)
class EpochFetch:
    """What happened to one epoch."""

    epoch: int
    """Epoch number (the N of ``git/N.git``)."""
    url: str
    """Where it was fetched from."""
    status: str
    """``cloned``, ``updated`` or ``up to date``."""
    new_commits: int
    """Commits that were not in the local copy before (all of them for a clone)."""


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What ``fetch_archive`` did."""

    inbox: str
    """The inbox directory (absolute)."""
    layout: str
    """``v2`` (epochs ``<url>/N``) or ``single`` (the URL is one repository)."""
    epochs: tuple[EpochFetch, ...]
    """One entry per epoch, in epoch order."""
    manifest: bool = False
    """True when the epoch list came from the server's manifest.js.gz."""

    @property
    def new_commits(self) -> int:
        """New commits over all epochs."""
        return sum(e.new_commits for e in self.epochs)

    def summary(self) -> str:
        """One line for the end of ``ssg fetch``."""
        n, new = len(self.epochs), self.new_commits
        return (f"{self.inbox}: {n} epoch{'s' * (n != 1)}, "
                f"{new} new message{'s' * (new != 1)}" if new else f"{self.inbox}: up to date")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="true", SSH_ASKPASS="true", LC_ALL="C")
    return env


def _git(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, env=_env(), capture_output=True, text=True)
    except FileNotFoundError:
        raise DeployError("git is not installed (or not on PATH); install git and try again") from None
    if check and proc.returncode != 0:
        raise DeployError(f"git {args[0]} failed: {_last_line(proc.stderr)}")
    return proc


def _last_line(stderr: str) -> str:
    """The informative line of git's error output."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    line = (fatal or lines or ["unknown error"])[0]
    return line.removeprefix("fatal: ").removeprefix("error: ")


def epoch_url(base: str, epoch: int) -> str:
    """The clone URL of one epoch of a v2 archive."""
    return f"{base.rstrip('/')}/{epoch}"


def _probe(url: str) -> tuple[bool, str]:
    """(exists, error line) for a remote repository, via ``git ls-remote``."""
    proc = _git("ls-remote", "--heads", url, check=False)
    return proc.returncode == 0, "" if proc.returncode == 0 else _last_line(proc.stderr)


def read_manifest(base: str) -> dict[int, str] | None:
    """{epoch: fingerprint} from ``<base>/manifest.js.gz``, or None when there is none.

    Works for http(s)://, file:// and plain local paths.  Any problem (missing,
    unreadable, not a grokmirror manifest) gives None, and the caller probes.
    """
    url = f"{base.rstrip('/')}/{MANIFEST_NAME}"
    try:
        if "://" in url:
            if not url.startswith(("http://", "https://", "file://")):
                return None
            with urllib.request.urlopen(url, timeout=MANIFEST_TIMEOUT) as resp:  # noqa: S310
                raw = resp.read()
        else:
            raw = Path(url).read_bytes()
        data = json.loads(gzip.decompress(raw))
    except (OSError, ValueError, EOFError, zlib.error, http.client.HTTPException):
        return None
    if not isinstance(data, dict):
        return None
    epochs = {}
    for key, entry in data.items():
        if m := MANIFEST_EPOCH_RE.search(str(key)):
            fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
            epochs[int(m.group(1))] = fingerprint if isinstance(fingerprint, str) else ""
    return dict(sorted(epochs.items())) or None


def fingerprint(repo: Path) -> str:
    """grokmirror's fingerprint of a repository: sha1 of ``git show-ref`` output."""
    proc = subprocess.run(["git", "show-ref"], cwd=repo, env=_env(), capture_output=True)
    return hashlib.sha1(proc.stdout).hexdigest() if proc.returncode == 0 and proc.stdout else ""


def _tips(repo: Path) -> list[str]:
    out = _git("for-each-ref", "--format=%(objectname)", cwd=repo).stdout
    return sorted(set(out.split()))


def _count_new(repo: Path, before: list[str]) -> int:
    proc = _git("rev-list", "--count", "--all", "--not", *before, cwd=repo) if before else \
        _git("rev-list", "--count", "--all", cwd=repo)
    return int(proc.stdout.strip() or 0)


def _clone(url: str, gitdir: Path, epoch: int) -> int:
    """Mirror ``url`` into ``gitdir/<epoch>.git`` through a temporary name."""
    gitdir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{epoch}.git.partial.", dir=gitdir))
    try:
        proc = _git("clone", "--mirror", "--quiet", url, str(tmp), check=False)
        if proc.returncode != 0:
            raise DeployError(f"cannot clone epoch {epoch} from {url}: {_last_line(proc.stderr)}")
        count = _count_new(tmp, [])
        os.rename(tmp, gitdir / f"{epoch}.git")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return count


def _update(url: str, repo: Path, epoch: int) -> int:
    """Fetch new objects of ``url`` into the mirror ``repo``; return new commits."""
    current = _git("config", "--get", "remote.origin.url", cwd=repo, check=False)
    if current.returncode != 0:
        _git("remote", "add", "--mirror=fetch", "origin", url, cwd=repo)
    elif current.stdout.strip() != url:
        _git("remote", "set-url", "origin", url, cwd=repo)
    before = _tips(repo)
    proc = _git("fetch", "--prune", "--quiet", "origin", cwd=repo, check=False)
    if proc.returncode != 0:
        raise DeployError(f"cannot update epoch {epoch} from {url}: {_last_line(proc.stderr)}")
    return _count_new(repo, before)


def _sync(url: str, gitdir: Path, epoch: int, progress: Callable[[str], object],
          label: str = "", known: str = "") -> EpochFetch:
    """Clone or update one epoch; ``known`` is the manifest's fingerprint, if any."""
    repo = gitdir / f"{epoch}.git"
    name = f"epoch {epoch}{label}"
    if repo.is_dir() and known and fingerprint(repo) == known:
        progress(f"{name}: up to date")
        return EpochFetch(epoch=epoch, url=url, status="up to date", new_commits=0)
    if repo.is_dir():
        new = _update(url, repo, epoch)
        status = "updated" if new else "up to date"
        progress(f"{name}: updated, {new} new commit{'s' * (new != 1)}" if new else f"{name}: up to date")
    else:
        progress(f"{name}: cloning {url} ...")
        new = _clone(url, gitdir, epoch)
        status = "cloned"
        progress(f"{name}: cloned, {new} commit{'s' * (new != 1)}")
    return EpochFetch(epoch=epoch, url=url, status=status, new_commits=new)


def _local_epochs(gitdir: Path) -> set[int]:
    if not gitdir.is_dir():
        return set()
    return {int(m.group(1)) for p in gitdir.iterdir() if p.is_dir() and (m := EPOCH_DIR_RE.match(p.name))}


def _remove_partials(gitdir: Path) -> None:
    if gitdir.is_dir():
        for p in gitdir.iterdir():
            if PARTIAL_PREFIX_RE.match(p.name):
                shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def _locked(inbox: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``inbox`` (released by the OS if the process dies)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no locking
        yield
        return
    with open(inbox / ".ssg-fetch.lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise DeployError("another 'ssg fetch' is updating this archive; wait for it to finish",
                              location=str(inbox)) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check_inbox(inbox: Path) -> None:
    if inbox.exists() and not inbox.is_dir():
        raise DeployError("exists and is not a directory; point [archive] path at a directory",
                          location=str(inbox))
    if (inbox / "HEAD").is_file() and (inbox / "objects").is_dir():
        raise DeployError("is a single git repository; 'ssg fetch' maintains an inbox directory "
                          "(git/0.git, git/1.git, ...): point [archive] path at a new directory",
                          location=str(inbox))


def fetch_archive(url: str, inbox: Path, *, progress: Callable[[str], object] = print,
                  use_manifest: bool = True) -> FetchReport:
    """Clone or update the archive at ``url`` into the inbox directory ``inbox``.

    Raises DeployError with one line (and a way forward) when the remote cannot
    be reached or an epoch cannot be cloned or updated.
    """
    base = url.strip().rstrip("/")
    if not base:
        raise DeployError("no archive URL to fetch from: set [archive] url (or fetch_url) in ssg.toml")
    inbox = Path(inbox)
    _check_inbox(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    gitdir = inbox / "git"
    with _locked(inbox):
        _remove_partials(gitdir)
        epochs = read_manifest(base) if use_manifest else None
        if epochs is not None:
            progress(f"{base}: {len(epochs)} epoch{'s' * (len(epochs) != 1)} in {MANIFEST_NAME}")
            results = [_sync(epoch_url(base, n), gitdir, n, progress, known=fp) for n, fp in epochs.items()]
            return FetchReport(str(inbox.resolve()), "v2", tuple(results), manifest=True)
        found, error = _probe(epoch_url(base, 0))
        if not found:
            single, single_error = _probe(base)
            if not single:
                raise DeployError(f"cannot reach {base}/0 or {base}: {error or single_error}; "
                                  "check [archive] url/fetch_url and the network")
            result = _sync(base, gitdir, 0, progress, label=" (single repository)")
            return FetchReport(str(inbox.resolve()), "single", (result,))
        results = _probe_epochs(base, gitdir, progress)
        return FetchReport(str(inbox.resolve()), "v2", tuple(results))


def _probe_epochs(base: str, gitdir: Path, progress: Callable[[str], object]) -> list[EpochFetch]:
    """Update the local epochs, then clone ``<base>/N`` for N = 0, 1, … while they exist."""
    local = _local_epochs(gitdir)
    results = []
    n = 0
    while True:
        url = epoch_url(base, n)
        if n not in local and n > 0:
            exists, error = _probe(url)
            if not exists:
                if NETWORK_ERROR_RE.search(error):
                    raise DeployError(f"cannot reach {url}: {error}; check the network and run again")
                break
        results.append(_sync(url, gitdir, n, progress))
        n += 1
    return results
