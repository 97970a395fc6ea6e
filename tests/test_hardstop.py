"""Hard stops: ``ssg digest``, ``ssg build`` and ``ssg deploy`` killed with SIGKILL at
random (seeded) moments leave content/, site/ and the published branch each in
the old state or the new one, never a mix; the next run completes and equals a
clean run.

The old state is the bundled example archive (examples/demo-list.mbox) digested
and built; the new state adds a second batch of our own mail.  content/ is
checked after ``ssg.writer.recover`` (the journal of an interrupted batch is
rolled forward by the next run).  site/ is checked as the kill left it; only
when a build updating site/ in place was killed inside its journal's rename
window (old and new files, each whole) is it checked again after
``ssg.render_swap.tidy``, which the next run starts with.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import pytest

from ssg.deploy import deploy_site
from ssg.render_swap import tidy
from ssg.inbox import InboxWriter, mbox_messages
from ssg.writer import TXN_DIR, recover
from tests.conftest import ROOT

SEED = 20260309
TRIALS = 20
"""SIGKILL trials over digest and build (half each)."""
DEPLOY_TRIALS = 6
EXAMPLE_MESSAGES = 40
WORKERS = 3
SOURCE_DATE_EPOCH = "1790000000"
CONFIG = ('site_name = "Demo"\nsite_url = "https://example.test/demo/"\n'
          '[archive]\npath = "inbox"\nlist = "demo-virt"\nurl = "https://lists.example.org/demo-virt/"\n'
          '[digest]\nevery = "week"\n')
APRIL = 1775030400  # 2026-04-01 00:00 UTC, after the example archive


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    e.update(SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, PYTHONPATH=str(ROOT), GIT_TERMINAL_PROMPT="0",
             GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.test", GIT_COMMITTER_NAME="t",
             GIT_COMMITTER_EMAIL="t@example.test", GIT_AUTHOR_DATE="1780000000 +0000",
             GIT_COMMITTER_DATE="1780000000 +0000")
    return e


def ssg(cwd: Path, *args: str) -> subprocess.Popen:
    """``ssg`` in its own process group (``kill_all`` takes its git children with it, as a crash would)."""
    return subprocess.Popen([sys.executable, "-m", "ssg", args[0], "-q", "-f", str(cwd / "ssg.toml"), *args[1:]],
                            cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def kill_all(proc: subprocess.Popen) -> None:
    """SIGKILL the whole process group: killing only ssg would leave a ``git push`` running on its own,
    racing the recovery deploy (which then, rightly, has its push rejected)."""
    os.killpg(proc.pid, signal.SIGKILL)


def run_ok(cwd: Path, *args: str) -> float:
    t0 = time.monotonic()
    proc = ssg(cwd, *args)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    return time.monotonic() - t0


def snapshot(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and TXN_DIR not in p.relative_to(root).parts}


def second_batch() -> list[bytes]:
    out = []
    cover = "hardstop-cover@contoso.com"
    for n in range(4):
        subject = "[PATCH 0/3] demo: hard stop series" if n == 0 else f"[PATCH {n}/3] demo: hard stop part {n}"
        body = "Survive a SIGKILL.\n" if n == 0 else (
            f"Part {n}.\n\nSigned-off-by: Ada <ada@contoso.com>\n---\n drivers/demo/hs{n}.c | 2 +-\n"
            " 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
            f"diff --git a/drivers/demo/hs{n}.c b/drivers/demo/hs{n}.c\n--- a/drivers/demo/hs{n}.c\n"
            f"+++ b/drivers/demo/hs{n}.c\n@@ -1 +1 @@\n-a\n+b\n")
        head = [f"From: Ada Lovelace <ada@contoso.com>", "To: demo-virt@lists.example.org",
                f"Subject: {subject}", f"Date: {formatdate(APRIL + 60 * n)}",
                f"Message-ID: <{cover if n == 0 else f'hardstop-{n}@contoso.com'}>"]
        if n:
            head += [f"In-Reply-To: <{cover}>", f"References: <{cover}>"]
        out.append(("\n".join(head) + "\n\n" + body).encode())
    return out


@dataclass
class States:
    start: Path
    """Project in the old state (content/ and site/ built), its inbox already holding the new mail."""
    old_content: dict[str, bytes]
    old_site: dict[str, bytes]
    new_content: dict[str, bytes]
    new_site: dict[str, bytes]
    seconds: float
    """Wall time of a clean build from the old state to the new one."""


def example_project(path: Path, messages: int = EXAMPLE_MESSAGES) -> Path:
    """A project at ``path`` (made) with CONFIG and an inbox of the example archive's
    first ``messages`` (small and quick); also used by other suites."""
    path.mkdir(parents=True)
    (path / "ssg.toml").write_text(CONFIG)
    with InboxWriter(path / "inbox") as w:
        for raw in list(mbox_messages(ROOT / "examples" / "demo-list.mbox"))[:messages]:
            w.add(raw)
    return path


@pytest.fixture(scope="module")
def states(tmp_path_factory) -> States:
    root = tmp_path_factory.mktemp("hardstop")
    start = example_project(root / "start")
    run_ok(start, "build")
    old_content, old_site = snapshot(start / "content"), snapshot(start / "site")
    with InboxWriter(start / "inbox") as w:
        for raw in second_batch():
            w.add(raw)
    ref = root / "reference"
    shutil.copytree(start, ref, symlinks=True)
    run_ok(ref, "build", "--no-digest")  # the render snapshot is of this site/ path now
    inode = (ref / "site").stat().st_ino
    seconds = run_ok(ref, "build")
    assert (ref / "site").stat().st_ino == inode  # updated in place: the journalled path the trials kill
    new_content, new_site = snapshot(ref / "content"), snapshot(ref / "site")
    assert new_content != old_content and new_site != old_site
    assert any("hard stop series" in v.decode("utf-8", "replace") for v in new_content.values())
    return States(start, old_content, old_site, new_content, new_site, seconds)


def which(snap: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]) -> str:
    if snap == old:
        return "old"
    if snap == new:
        return "new"
    only_old = sorted(set(old) - set(snap))[:5]
    only_new = sorted(set(snap) - set(new))[:5]
    differ = sorted(k for k in set(snap) & set(new) if snap[k] != new[k] and snap[k] != old.get(k))[:5]
    return f"MIX: missing {only_old}, unexpected {only_new}, differing {differ}"


TRIGGERS = {"digest": ("content/.ssg-txn", "content/.ssg-txn/journal.json", "content/.ssg-txn/files/*/*"),
            "build": ("content/.ssg-txn/journal.json", ".site.new-*", ".site.new-*/*/*", ".site.old-*",
                      ".site.txn/files/*", ".site.txn/journal.json")}
"""Half the kills wait for one of these to appear (the write windows), then a random few ms."""


def kill_later(proc: subprocess.Popen, work: Path, delay: float, trigger: str) -> None:
    t0 = time.monotonic()
    while trigger and proc.poll() is None and time.monotonic() - t0 < 30:
        if next(work.glob(trigger), None) is not None:
            break
        time.sleep(0.0005)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def rerun(work: Path) -> int:
    proc = ssg(work, "build")
    proc.communicate(timeout=120)
    return proc.returncode


def trial(states: States, n: int, command: str, delay: float, trigger: str, base: Path) -> str:
    work = base / f"trial-{n:02d}-{command}"
    shutil.copytree(states.start, work, symlinks=True)
    if command == "build":  # a snapshot of this very site/, so the killed build updates it in place
        run_ok(work, "build", "--no-digest")
    kill_later(ssg(work, command), work, delay, trigger)
    recover(work / "content")
    content = which(snapshot(work / "content"), states.old_content, states.new_content)
    site = which(snapshot(work / "site"), states.old_site, states.new_site)
    if "MIX" in site and (work / ".site.txn" / "journal.json").is_file():
        tidy(work / "site")
        site = which(snapshot(work / "site"), states.old_site, states.new_site) + " (journal rolled forward)"
    if "MIX" in site:
        site += (f" (site/ {'present' if (work / 'site').exists() else 'absent'}; beside it: "
                 f"{sorted(p.name for p in work.glob('.site.*'))})")
    if command == "digest" and site != "old":
        site = f"digest touched site/: {site}"
    after = "ok" if rerun(work) == 0 else "rerun failed"
    if after == "ok":
        if snapshot(work / "content") != states.new_content:
            after = "rerun content differs from a clean run: " + which(
                snapshot(work / "content"), states.old_content, states.new_content)
        elif snapshot(work / "site") != states.new_site:
            after = "rerun site differs from a clean run: " + which(
                snapshot(work / "site"), states.old_site, states.new_site)
    shutil.rmtree(work, ignore_errors=True)
    when = f"{trigger} + {delay * 1000:.0f}ms" if trigger else f"{delay:.2f}s"
    return f"{command} killed at {when}: content {content}, site {site}, next run {after}"


def test_sigkill_digest_and_build_leave_old_or_new_state(states, tmp_path):
    rng = random.Random(SEED)
    plan = []
    for n in range(TRIALS):
        command = "digest" if n % 2 else "build"
        if n % 4 < 2:
            horizon = states.seconds * (1.1 if command == "build" else 0.7)
            plan.append((n, command, rng.uniform(0.1, horizon), ""))
        else:
            plan.append((n, command, rng.uniform(0.0, 0.02), rng.choice(TRIGGERS[command])))
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:  # the trials wait on processes: overlap them
        results = list(pool.map(lambda p: trial(states, *p, tmp_path), plan))
    bad = [r for r in results if "MIX" in r or "failed" in r or "differs" in r or "touched" in r]
    print("\n" + "\n".join(results) + f"\n{len(results)} trials in {time.monotonic() - t0:.1f}s")
    assert not bad, "\n".join(bad)
    assert len(results) >= 20


# --- deploy ---------------------------------------------------------------------------------

def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env(), check=True, capture_output=True,
                          text=True).stdout.strip()


def write_site(site: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(site, ignore_errors=True)
    for rel, data in files.items():
        p = site / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def quiet(_line: str) -> None:
    pass


def remote_tree(remote: Path, ref: str) -> set[str]:
    return set(git(remote, "ls-tree", "-r", "--name-only", ref).splitlines())


def test_sigkill_deploy_leaves_the_branch_updated_or_not(states, tmp_path):
    rng = random.Random(SEED + 1)
    results = []
    for n in range(DEPLOY_TRIALS):
        base = tmp_path / f"deploy-{n}"
        remote, repo = base / "remote.git", base / "src"
        base.mkdir()
        git(base, "init", "-q", "--bare", "-b", "main", str(remote))
        git(base, "init", "-q", "-b", "main", str(repo))
        (repo / "ssg.toml").write_text('site_name = "Demo"\nsite_url = "https://example.test/demo/"\n')
        (repo / ".gitignore").write_text("site/\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", "source")
        git(repo, "remote", "add", "origin", remote.as_uri())
        write_site(repo / "site", states.old_site)
        deploy_site(repo / "site", repo, log=quiet)
        old_tip = git(remote, "rev-parse", "refs/heads/gh-pages")
        old_files = remote_tree(remote, old_tip)
        write_site(repo / "site", states.new_site)
        t0 = time.monotonic()
        proc = ssg(repo, "deploy", "--no-build")
        delay = rng.uniform(0.0, 1.2)
        time.sleep(delay)
        kill_all(proc)
        proc.wait(timeout=30)
        tip = git(remote, "rev-parse", "refs/heads/gh-pages")
        if tip == old_tip:
            state = "old"
        else:
            assert git(remote, "rev-parse", f"{tip}^") == old_tip, f"trial {n}: new tip not on top of the old one"
            assert remote_tree(remote, tip) == set(states.new_site) | {".nojekyll"}, f"trial {n}: partial tree"
            git(remote, "fsck", "--no-dangling", "--connectivity-only")
            state = "new"
        local = subprocess.run(["git", "rev-parse", "-q", "--verify", "refs/heads/gh-pages"], cwd=repo,
                               capture_output=True, text=True).stdout.strip()
        assert local in (old_tip, tip), f"trial {n}: local branch {local} is neither old nor the remote's"
        deploy_site(repo / "site", repo, log=quiet)
        final = git(remote, "rev-parse", "refs/heads/gh-pages")
        assert remote_tree(remote, final) == set(states.new_site) | {".nojekyll"}
        assert git(remote, "rev-list", "--count", final) == "2", f"trial {n}: history {final}"
        results.append(f"deploy killed at {delay:.2f}s ({time.monotonic() - t0:.2f}s): branch {state}")
        assert old_files == set(states.old_site) | {".nojekyll"}
    print("\n" + "\n".join(results))


# --- the site swap, stopped at a chosen instruction ------------------------------------------

def small_site(tmp_path: Path):
    from ssg import config

    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "index.md").write_text("---\ntitle: Home\n---\n# Home\n\nText.\n")
    return config.build({"site_name": "t"}, root=str(tmp_path))


def stopped_builds(monkeypatch, cfg, site: Path):
    """Run ``render.build`` again and again, stopping it (as a kill would) at its 1st, 2nd, …
    rename/replace/rmtree; yield the site's snapshot after each stopped build."""
    from ssg import render

    k = 0
    while True:
        k += 1
        calls = [0]

        def dying(real):
            def call(*args, **kw):
                calls[0] += 1
                if calls[0] == k:
                    raise KeyboardInterrupt(f"killed at call {k}")
                return real(*args, **kw)
            return call

        with monkeypatch.context() as m:
            for mod, name in ((os, "rename"), (os, "replace"), (shutil, "rmtree")):
                m.setattr(mod, name, dying(getattr(mod, name)))
            try:
                render.build(cfg, log=quiet)
            except KeyboardInterrupt:
                yield k, snapshot(site)
                continue
        return


def test_a_stop_inside_the_site_swap_leaves_the_old_or_new_site(tmp_path, monkeypatch):
    from ssg import render

    cfg = small_site(tmp_path)
    render.build(cfg, log=quiet)
    old = snapshot(tmp_path / "site")
    (tmp_path / "content" / "index.md").write_text("---\ntitle: Home\n---\n# Home\n\nNew text.\n")
    states = []
    for k, snap in stopped_builds(monkeypatch, cfg, tmp_path / "site"):
        states.append((k, "old" if snap == old else "new" if b"New text" in snap.get("index.html", b"") else "MIX"))
    assert states and all(state != "MIX" for _, state in states), states


def test_the_next_build_removes_what_a_killed_build_left(tmp_path, monkeypatch):
    from ssg import render

    cfg = small_site(tmp_path)
    render.build(cfg, log=quiet)
    for _ in stopped_builds(monkeypatch, cfg, tmp_path / "site"):
        pass
    (tmp_path / ".site.new-abandoned").mkdir()  # what a kill during rendering leaves
    (tmp_path / ".site.new-abandoned" / "index.html").write_text("half")
    render.build(cfg, log=quiet)
    assert (tmp_path / "site" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")) == []
