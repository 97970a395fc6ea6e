"""``ssg build`` looks at content/ while the digest runs, then only at what the digest committed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ssg import render_state
from ssg.inbox import InboxWriter
from tests.archive_util import START, make_archive, make_mail


def test_restat_of_what_changed_equals_a_fresh_walk(tmp_path: Path) -> None:
    top = tmp_path / "content"
    for rel in ("index.md", "series/a.md", "series/b.md", "authors/x/2024.md"):
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text(f"# {rel}\n", "utf-8")
    before = render_state.file_stats(top)
    (top / "series/a.md").write_text("# a, longer now\n", "utf-8")  # rewritten
    (top / "series/b.md").unlink()  # removed
    (top / "domains/new").mkdir(parents=True)
    (top / "domains/new/2025.md").write_text("# new\n", "utf-8")  # in a folder that is new too
    (top / ".ssg-txn").mkdir()
    (top / ".ssg-txn/left.md").write_text("staged\n", "utf-8")  # dot names are never content
    changed = ("series/a.md", "series/b.md", "domains/new/2025.md", ".ssg-txn/left.md", "series/never.md")
    after = render_state.restat(top, before, changed)
    assert after == render_state.file_stats(top)
    assert "series/b.md" not in after and after["series/a.md"] != before["series/a.md"]


def _config(tmp_path: Path) -> None:
    (tmp_path / "ssg.toml").write_text(
        'site_name = "Ahead"\nsite_url = "https://example.test/a/"\n'
        '[archive]\npath = "inbox"\nlist = "ahead"\nurl = "https://lists.example.test/a/"\n'
        '[digest]\nevery = "none"\n', "utf-8")


def _mail(n: int) -> bytes:
    body = (f"Change {n}.\n\nSigned-off-by: Ann Author <ann@example.com>\n---\n f{n}.c | 2 +-\n"
            " 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
            f"diff --git a/f{n}.c b/f{n}.c\n--- a/f{n}.c\n+++ b/f{n}.c\n@@ -1 +1 @@\n-a\n+b\n")
    return make_mail(f"[PATCH] ahead change {n}", body, msgid=f"ahead-{n}@example.com", date=START + 60 * n)


def _build(tmp_path: Path) -> str:
    """The real program (so the digest runs in its forked child while the build looks ahead)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(START + 86400 * 30)}
    done = subprocess.run([sys.executable, "-m", "ssg", "build"], cwd=tmp_path, capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done.stderr.splitlines()[-1]


def test_a_build_after_new_mail_leaves_nothing_for_the_next_one(tmp_path: Path) -> None:
    """The content stats a build records (taken ahead, plus what the digest committed) are the
    tree's own: the next build finds nothing changed.  A stale one would re-render pages."""
    _config(tmp_path)
    make_archive(tmp_path, [_mail(n) for n in range(3)])
    assert _build(tmp_path).startswith("build: ")
    with InboxWriter(tmp_path / "inbox") as w:
        for n in range(3, 6):
            w.add(_mail(n))
    _build(tmp_path)
    assert "ahead change 5" in (tmp_path / "site" / "index.html").read_text("utf-8") or any(
        "ahead change 5" in p.read_text("utf-8") for p in (tmp_path / "site").rglob("*.html"))
    recorded = render_state.read_state(tmp_path / ".ssg-cache" / "render")["content"]
    assert recorded == render_state.file_stats((tmp_path / "content").resolve())
    assert _build(tmp_path).startswith("build: 0 pages into ")
