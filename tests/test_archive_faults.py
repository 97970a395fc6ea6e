"""Archive faults: rewritten history, purged blobs, ``d`` deletions, a missing epoch,
corrupt objects.  Each is handled correctly or stopped with one clear line
(``ssg.cli.main`` returns 1); never a traceback, never a silent gap.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ssg import cli
from ssg.inbox import InboxWriter
from tests.archive_util import EMPTY, START, Deleted, epoch_commits, git, make_archive, make_mail, rewrite_history

WEEK = 7 * 86400


@pytest.fixture(autouse=True)
def reproducible(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(START + 60 * WEEK))


def config(tmp_path: Path, every: str = "none") -> Path:
    cfg = tmp_path / "ssg.toml"
    cfg.write_text('site_name = "Faults"\nsite_url = "https://example.test/f/"\n'
                   '[archive]\npath = "inbox"\nlist = "faults"\nurl = "https://lists.example.test/f/"\n'
                   f'[digest]\nevery = "{every}"\n')
    return cfg


def patch_mail(n: int, title: str = "", when: int | None = None) -> bytes:
    body = (f"Change {n}.\n\nSigned-off-by: Alice <alice@example.com>\n---\n f{n}.c | 2 +-\n"
            " 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
            f"diff --git a/f{n}.c b/f{n}.c\n--- a/f{n}.c\n+++ b/f{n}.c\n@@ -1 +1 @@\n-a\n+b\n")
    return make_mail(f"[PATCH] {title or f'fault change {n}'}", body, msgid=f"fault-{n}@example.com",
                     date=when if when is not None else START + 60 * n)


def run(capsys, cfg: Path, *args: str) -> tuple[int, str]:
    rc = cli.main([args[0], "-f", str(cfg), *args[1:]])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def one_line_error(rc: int, err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("ssg: ")]
    assert rc == 1 and len(lines) == 1 and lines[0].startswith("ssg: error: "), err
    assert len(lines[0]) < 400
    return lines[0]


def site_text(tmp_path: Path) -> str:
    return "\n".join(p.read_text("utf-8") for p in (tmp_path / "site").rglob("*.html"))


def digest_messages(tmp_path: Path) -> list[dict]:
    out = []
    for p in sorted((tmp_path / "content" / "digests").glob("*.json")):
        out += json.loads(p.read_text("utf-8"))["messages"]
    return out


# --- rewritten history ---------------------------------------------------------------------

def test_rewritten_history_since_last_digest_warns_and_continues_from_the_merge_base(tmp_path, capsys):
    cfg = config(tmp_path)
    make_archive(tmp_path, [patch_mail(n) for n in range(6)])
    epoch = tmp_path / "inbox" / "git" / "0.git"
    rc, _ = run(capsys, cfg, "digest", "-q")
    assert rc == 0 and len(digest_messages(tmp_path)) == 6
    old = epoch_commits(epoch)
    rewrite_history(epoch, drop=3)  # purge message 3: commits 3.. are rewritten
    with InboxWriter(tmp_path / "inbox") as w:
        w.add(patch_mail(7, when=START + 3600))
    rc, err = run(capsys, cfg, "digest")
    assert rc == 0, err
    assert "no longer an ancestor" in err and "merge-base" in err and old[-1][:12] in err
    assert "fault change 7" in "".join(p.read_text() for p in (tmp_path / "content").rglob("*.md"))


def test_explicit_range_whose_start_was_rewritten_fails_with_one_line(tmp_path, capsys):
    cfg = config(tmp_path)
    make_archive(tmp_path, [patch_mail(n) for n in range(5)])
    epoch = tmp_path / "inbox" / "git" / "0.git"
    old = epoch_commits(epoch)
    rewrite_history(epoch, drop=1)
    rc, err = run(capsys, cfg, "digest", "--range", f"{old[3]}..HEAD")
    line = one_line_error(rc, err)
    assert old[3][:7] in line


def test_unknown_and_malformed_ranges_fail_with_one_line(tmp_path, capsys):
    cfg = config(tmp_path)
    make_archive(tmp_path, [patch_mail(n) for n in range(3)])
    for spec in ("deadbeef..HEAD", "a...b", "HEAD..; rm -rf /", "--output=/tmp/x..HEAD", "..\x00"):
        rc, err = run(capsys, cfg, "digest", f"--range={spec}")
        one_line_error(rc, err)


# --- purged blobs and deletions -----------------------------------------------------------------

def test_purged_empty_blobs_are_skipped_and_counted(tmp_path, capsys):
    cfg = config(tmp_path)
    make_archive(tmp_path, [patch_mail(0), EMPTY, patch_mail(2), EMPTY])
    rc, err = run(capsys, cfg, "build", "-v")
    assert rc == 0, err
    assert "4 messages" in err and re.search(r"\b[1-9]\d* mail problems", err), err
    assert err.count(": empty: empty (purged) message blob") == 2, err
    ids = [m["message_id"] for m in digest_messages(tmp_path)]
    assert "fault-0@example.com" in ids and "fault-2@example.com" in ids
    assert len(list((tmp_path / "content" / "series").glob("*.md"))) == 2
    assert "fault change 0" in site_text(tmp_path) and "fault change 2" in site_text(tmp_path)


def test_a_d_deletion_in_the_same_range_removes_the_message(tmp_path, capsys):
    cfg = config(tmp_path)
    gone = patch_mail(1, "secret to be deleted")
    make_archive(tmp_path, [patch_mail(0), gone, patch_mail(2), Deleted(gone)])
    rc, err = run(capsys, cfg, "build", "-q")
    assert rc == 0, err
    assert "secret to be deleted" not in site_text(tmp_path)
    assert "fault change 2" in site_text(tmp_path)


def test_a_d_deletion_removes_the_message_from_pages_built_afterwards(tmp_path, capsys):
    cfg = config(tmp_path)
    gone = patch_mail(1, "secret to be deleted")
    make_archive(tmp_path, [patch_mail(0), gone, patch_mail(2)])
    rc, err = run(capsys, cfg, "build", "-q")
    assert rc == 0 and "secret to be deleted" in site_text(tmp_path)
    with InboxWriter(tmp_path / "inbox") as w:
        w.delete("fault-1@example.com")
        w.add(patch_mail(3))
    rc, err = run(capsys, cfg, "build", "-q")
    assert rc == 0, err
    assert "fault change 3" in site_text(tmp_path)
    leaks = sorted(str(p.relative_to(tmp_path)) for top in ("content", "site") for p in (tmp_path / top).rglob("*")
                   if p.is_file() and "secret to be deleted" in p.read_text("utf-8", "replace"))
    assert not leaks, leaks


# --- missing epochs and corrupt objects -------------------------------------------------------------

def test_a_missing_epoch_is_reported_not_skipped_silently(tmp_path, capsys):
    cfg = config(tmp_path)
    make_archive(tmp_path, [patch_mail(n) for n in range(6)], epochs=3)
    shutil.rmtree(tmp_path / "inbox" / "git" / "1.git")
    rc, err = run(capsys, cfg, "digest")
    if rc == 0:
        assert "epoch 1" in err and ("missing" in err or "gap" in err), err
    else:
        assert "epoch" in one_line_error(rc, err)


def loose_object(git_dir: Path, oid: str) -> Path:
    """The loose file of an object, after unpacking every pack of the repository."""
    pack_dir = git_dir / "objects" / "pack"
    for pack in sorted(pack_dir.glob("*.pack")):
        moved = git_dir / pack.name
        pack.rename(moved)
        pack.with_suffix(".idx").unlink()
        with open(moved, "rb") as f:
            subprocess.run(["git", f"--git-dir={git_dir}", "unpack-objects", "-q"], stdin=f, check=True)
        moved.unlink()
    return git_dir / "objects" / oid[:2] / oid[2:]


def test_a_deleted_loose_blob_stops_with_a_clear_message(tmp_path, capsys):
    cfg = config(tmp_path)
    make_archive(tmp_path, [patch_mail(n) for n in range(4)])
    epoch = tmp_path / "inbox" / "git" / "0.git"
    blob = git(epoch, "rev-parse", f"{epoch_commits(epoch)[2]}:m").strip()
    loose_object(epoch, blob).unlink()
    rc, err = run(capsys, cfg, "build")
    line = one_line_error(rc, err)
    assert "epoch" in line or blob[:7] in line or "corrupt" in line or "missing" in line
    assert not (tmp_path / "site").exists() or not list((tmp_path / "site").rglob("*.html"))


def test_a_corrupt_loose_commit_stops_with_a_clear_message(tmp_path, capsys):
    cfg = config(tmp_path)
    make_archive(tmp_path, [patch_mail(n) for n in range(4)])
    epoch = tmp_path / "inbox" / "git" / "0.git"
    target = loose_object(epoch, epoch_commits(epoch)[1])
    os.chmod(target, 0o644)
    target.write_bytes(b"\x78\x9c garbage, not zlib")
    rc, err = run(capsys, cfg, "digest")
    one_line_error(rc, err)


def test_a_truncated_pack_stops_with_a_clear_message(tmp_path, capsys):
    cfg = config(tmp_path)
    make_archive(tmp_path, [patch_mail(n) for n in range(8)])
    epoch = tmp_path / "inbox" / "git" / "0.git"
    subprocess.run(["git", f"--git-dir={epoch}", "repack", "-adq"], check=True)
    pack = next((epoch / "objects" / "pack").glob("*.pack"))
    os.chmod(pack, 0o644)
    data = pack.read_bytes()
    pack.write_bytes(data[: len(data) // 2])
    rc, err = run(capsys, cfg, "digest")
    one_line_error(rc, err)


@pytest.mark.parametrize("layout", ["nothing", "empty dir", "file", "git dir without epochs"])
def test_not_an_archive_is_one_line(tmp_path, capsys, layout):
    cfg = config(tmp_path)
    inbox = tmp_path / "inbox"
    if layout == "empty dir":
        inbox.mkdir()
    elif layout == "file":
        inbox.write_text("not a repository")
    elif layout == "git dir without epochs":
        (inbox / "git").mkdir(parents=True)
    rc, err = run(capsys, cfg, "digest")
    one_line_error(rc, err)
