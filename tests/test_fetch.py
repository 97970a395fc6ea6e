"""``ssg fetch`` against public-inbox-shaped bare repositories in tmp_path (file:// URLs)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

import ssg.fetch as fetch_mod
from ssg.errors import DeployError
from ssg.fetch import fetch_archive, read_manifest

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Archive", "GIT_AUTHOR_EMAIL": "archive@example.org",
    "GIT_COMMITTER_NAME": "Archive", "GIT_COMMITTER_EMAIL": "archive@example.org",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


def git(*args: str, cwd: Path | None = None, stdin: str | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, check=True,
                          capture_output=True, text=True).stdout.strip()


def make_epoch(path: Path, count: int) -> Path:
    """A bare repository with ``count`` one-message commits (a blob ``m`` each)."""
    git("init", "-q", "--bare", "-b", "master", str(path))
    add_commits(path, count)
    return path


def add_commits(repo: Path, count: int) -> None:
    parent = subprocess.run(["git", "rev-parse", "-q", "--verify", "refs/heads/master"], cwd=repo,
                            capture_output=True, text=True).stdout.strip()
    total = int(git("rev-list", "--count", "--all", cwd=repo) or 0) if parent else 0
    for i in range(count):
        n = total + i
        blob = git("hash-object", "-w", "--stdin", cwd=repo,
                   stdin=f"From: a{n}@example.org\nSubject: message {n}\nMessage-ID: <{n}@x>\n\nbody {n}\n")
        tree = git("mktree", cwd=repo, stdin=f"100644 blob {blob}\tm\n")
        parent = git("commit-tree", tree, *(["-p", parent] if parent else []), "-m", f"message {n}",
                     cwd=repo)
    git("update-ref", "refs/heads/master", parent, cwd=repo)


def count(repo: Path) -> int:
    return int(git("rev-list", "--count", "--all", cwd=repo))


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    base = tmp_path / "remote"
    base.mkdir()
    make_epoch(base / "0", 3)
    make_epoch(base / "1", 2)
    return base


def run(url: str, inbox: Path, **kw):
    lines: list[str] = []
    report = fetch_archive(url, inbox, progress=lines.append, **kw)
    return report, lines


def test_clones_every_epoch_as_bare_mirror(remote: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    report, lines = run(remote.as_uri(), inbox)
    assert report.layout == "v2" and not report.manifest
    assert [(e.epoch, e.status, e.new_commits) for e in report.epochs] == [(0, "cloned", 3), (1, "cloned", 2)]
    assert report.new_commits == 5
    assert report.summary() == f"{report.inbox}: 2 epochs, 5 new messages"
    url = remote.as_uri()
    assert lines == [f"epoch 0: cloning {url}/0 ...", "epoch 0: cloned, 3 commits",
                     f"epoch 1: cloning {url}/1 ...", "epoch 1: cloned, 2 commits"]
    for n, expected in ((0, 3), (1, 2)):
        repo = inbox / "git" / f"{n}.git"
        assert git("rev-parse", "--is-bare-repository", cwd=repo) == "true"
        assert count(repo) == expected
        assert git("rev-parse", "master", cwd=repo) == git("rev-parse", "master", cwd=remote / str(n))
        assert git("ls-tree", "--name-only", "master", cwd=repo) == "m"
    assert sorted(p.name for p in (inbox / "git").iterdir()) == ["0.git", "1.git"]


def test_update_fetches_only_new_commits(remote: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    run(remote.as_uri() + "/", inbox)
    add_commits(remote / "1", 2)
    report, lines = run(remote.as_uri(), inbox)
    assert [(e.status, e.new_commits) for e in report.epochs] == [("up to date", 0), ("updated", 2)]
    assert lines == ["epoch 0: up to date", "epoch 1: updated, 2 new commits"]
    assert count(inbox / "git/1.git") == 4
    assert git("rev-parse", "master", cwd=inbox / "git/1.git") == git("rev-parse", "master", cwd=remote / "1")

    again, _ = run(remote.as_uri(), inbox)
    assert [e.status for e in again.epochs] == ["up to date", "up to date"]
    assert again.new_commits == 0
    assert again.summary().endswith(": up to date")


def test_a_new_epoch_is_picked_up_later(remote: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    run(remote.as_uri(), inbox)
    make_epoch(remote / "2", 1)
    report, lines = run(remote.as_uri(), inbox)
    assert [(e.epoch, e.status) for e in report.epochs] == [(0, "up to date"), (1, "up to date"), (2, "cloned")]
    assert lines[-1] == "epoch 2: cloned, 1 commit"
    assert count(inbox / "git/2.git") == 1


def test_a_plain_path_works_like_a_file_url(remote: Path, tmp_path: Path) -> None:
    report, _ = run(str(remote), tmp_path / "inbox")
    assert [e.new_commits for e in report.epochs] == [3, 2]


def test_single_repository_url_becomes_epoch_0(tmp_path: Path) -> None:
    single = make_epoch(tmp_path / "list.git", 4)
    inbox = tmp_path / "inbox"
    report, lines = run(single.as_uri(), inbox)
    assert report.layout == "single"
    assert [(e.epoch, e.status, e.new_commits) for e in report.epochs] == [(0, "cloned", 4)]
    assert lines == [f"epoch 0 (single repository): cloning {single.as_uri()} ...",
                     "epoch 0 (single repository): cloned, 4 commits"]
    add_commits(single, 1)
    report, lines = run(single.as_uri(), inbox)
    assert report.layout == "single" and report.new_commits == 1
    assert count(inbox / "git/0.git") == 5


def test_unreachable_remote_is_one_clear_line(tmp_path: Path) -> None:
    url = (tmp_path / "nowhere").as_uri()
    with pytest.raises(DeployError) as err:
        fetch_archive(url, tmp_path / "inbox", progress=lambda line: None)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"cannot reach {url}/0 or {url}")
    assert "fetch_url" in message
    assert not (tmp_path / "inbox" / "git").exists()


def test_no_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"\[archive\] url"):
        fetch_archive("", tmp_path / "inbox")


def test_refuses_an_inbox_that_is_a_repository(remote: Path, tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="single git repository"):
        fetch_archive(remote.as_uri(), remote / "0")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DeployError, match="not a directory"):
        fetch_archive(remote.as_uri(), tmp_path / "file")


def test_interrupted_clone_leaves_no_half_epoch(remote: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    real_count = fetch_mod._count_new

    def interrupt_on_epoch_1(repo: Path, before: list[str]) -> int:
        if repo.name.startswith(".1.git.partial."):
            raise KeyboardInterrupt
        return real_count(repo, before)

    monkeypatch.setattr(fetch_mod, "_count_new", interrupt_on_epoch_1)
    with pytest.raises(KeyboardInterrupt):
        fetch_archive(remote.as_uri(), inbox, progress=lambda line: None)
    assert sorted(p.name for p in (inbox / "git").iterdir()) == ["0.git"]
    monkeypatch.undo()
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    report, _ = run(remote.as_uri(), inbox)
    assert [(e.epoch, e.status) for e in report.epochs] == [(0, "up to date"), (1, "cloned")]


def test_leftover_partial_clone_is_removed(remote: Path, tmp_path: Path) -> None:
    partial = tmp_path / "inbox/git/.1.git.partial.abc123"
    partial.mkdir(parents=True)
    (partial / "HEAD").write_text("junk")
    report, _ = run(remote.as_uri(), tmp_path / "inbox")
    assert not partial.exists()
    assert report.new_commits == 5


def test_failed_update_is_reported(remote: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    run(remote.as_uri(), inbox)
    (remote / "1").rename(tmp_path / "gone")  # epoch 0 still answers, epoch 1 does not
    with pytest.raises(DeployError, match="cannot update epoch 1"):
        fetch_archive(remote.as_uri(), inbox, progress=lambda line: None)


def test_changed_url_is_followed(remote: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    run(remote.as_uri(), inbox)
    mirror = tmp_path / "mirror"
    subprocess.run(["cp", "-a", str(remote), str(mirror)], check=True)
    add_commits(mirror / "0", 1)
    report, _ = run(mirror.as_uri(), inbox)
    assert report.epochs[0].new_commits == 1
    assert git("config", "remote.origin.url", cwd=inbox / "git/0.git") == f"{mirror.as_uri()}/0"


def write_manifest(base: Path, names: list[str], fingerprints: dict[str, str] | None = None) -> None:
    data = {name: {"description": "x", "fingerprint": (fingerprints or {}).get(name, "0" * 40),
                   "modified": 0} for name in names}
    (base / "manifest.js.gz").write_bytes(gzip.compress(json.dumps(data).encode()))


def test_manifest_lists_the_epochs(remote: Path, tmp_path: Path) -> None:
    make_epoch(remote / "2", 1)
    write_manifest(remote, ["/mylist/git/0.git", "/mylist/git/1.git"])  # stale: no epoch 2 yet
    assert read_manifest(remote.as_uri()) == {0: "0" * 40, 1: "0" * 40}
    assert list(read_manifest(str(remote))) == [0, 1]
    report, lines = run(remote.as_uri(), tmp_path / "inbox")
    assert report.manifest
    assert lines[0].endswith("2 epochs in manifest.js.gz")
    assert [e.epoch for e in report.epochs] == [0, 1]
    probed, _ = run(remote.as_uri(), tmp_path / "inbox2", use_manifest=False)
    assert [e.epoch for e in probed.epochs] == [0, 1, 2]


@pytest.mark.parametrize("content", [b"not gzip", gzip.compress(b"[1, 2]"), gzip.compress(b"{}"),
                                     gzip.compress(b'{"/x/other.git": {}}')])
def test_unusable_manifest_falls_back_to_probing(remote: Path, tmp_path: Path, content: bytes) -> None:
    (remote / "manifest.js.gz").write_bytes(content)
    assert read_manifest(remote.as_uri()) is None
    report, _ = run(remote.as_uri(), tmp_path / "inbox")
    assert not report.manifest and [e.epoch for e in report.epochs] == [0, 1]


def test_concurrent_fetch_is_refused(remote: Path, tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with open(inbox / ".ssg-fetch.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(DeployError, match="another 'ssg fetch'"):
            fetch_archive(remote.as_uri(), inbox, progress=lambda line: None)


@pytest.mark.real
def test_real_epoch_as_single_repository(real_archive: Path, tmp_path: Path) -> None:
    if not (real_archive / "objects").is_dir():
        pytest.skip("real archive is an inbox, not a single epoch")
    report, lines = run(str(real_archive), tmp_path / "inbox")
    assert report.layout == "single"
    assert report.new_commits == count(real_archive) > 0
    again, _ = run(str(real_archive), tmp_path / "inbox")
    assert again.new_commits == 0 and again.epochs[0].status == "up to date"


def test_manifest_fingerprint_skips_unchanged_epochs(remote: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    run(remote.as_uri(), inbox)
    add_commits(remote / "1", 1)
    # grokmirror's fingerprint: sha1 of `git show-ref` output
    show_ref = subprocess.run(["git", "show-ref"], cwd=remote / "0", capture_output=True).stdout
    assert fetch_mod.fingerprint(inbox / "git/0.git") == hashlib.sha1(show_ref).hexdigest()
    write_manifest(remote, ["/l/git/0.git", "/l/git/1.git"],
                   {"/l/git/0.git": hashlib.sha1(show_ref).hexdigest()})
    (remote / "0").rename(tmp_path / "epoch0-away")  # a fetch of epoch 0 would now fail
    report, lines = run(remote.as_uri(), inbox)
    assert [(e.status, e.new_commits) for e in report.epochs] == [("up to date", 0), ("updated", 1)]
