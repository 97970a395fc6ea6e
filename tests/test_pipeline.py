"""The digest run end to end on real git archives built by the tests."""

from __future__ import annotations

import json
import shutil
from email.utils import formatdate
from pathlib import Path

import pytest

from ssg import cli
from ssg.inbox import InboxWriter
from ssg.writer import state
from tests.conftest import ROOT

DAY = 86400
# Monday 2026-03-02 00:00 UTC
MONDAY = 1772409600


def mail(subject: str, msgid: str, when: int, body: str = "", frm: str = "Ada Lovelace <ada@contoso.com>",
         reply_to: str = "") -> bytes:
    head = [f"From: {frm}", "To: demo@lists.example.org", f"Subject: {subject}",
            f"Date: {formatdate(when)}", f"Message-ID: <{msgid}>"]
    if reply_to:
        head += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    return ("\n".join(head) + "\n\n" + (body or "Hello.\n")).encode()


def patch_body(path: str = "drivers/demo/a.c", msg: str = "Fix the thing.") -> str:
    return (f"{msg}\n\nSigned-off-by: Ada Lovelace <ada@contoso.com>\n---\n {path} | 2 +-\n"
            f" 1 file changed, 1 insertion(+), 1 deletion(-)\n\ndiff --git a/{path} b/{path}\n"
            f"--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-old\n+new\n")


def week_of_mail(start: int, tag: str) -> list[bytes]:
    cover = f"cover-{tag}@contoso.com"
    out = [mail(f"[PATCH 0/2] demo: {tag} series", cover, start, "This series does things.\n")]
    for n in (1, 2):
        out.append(mail(f"[PATCH {n}/2] demo: {tag} part {n}", f"p{n}-{tag}@contoso.com", start + 60 * n,
                        patch_body(f"drivers/demo/{tag}{n}.c"), reply_to=cover))
    out.append(mail(f"Re: [PATCH 1/2] demo: {tag} part 1", f"r-{tag}@fabrikam.com", start + 3600,
                    "> quoted\n\nReviewed-by: Bob Builder <bob@fabrikam.com>\n",
                    frm="Bob Builder <bob@fabrikam.com>", reply_to=f"p1-{tag}@contoso.com"))
    return out


def site(tmp_path: Path, every: str = "week") -> Path:
    (tmp_path / "ssg.toml").write_text(
        'site_name = "Demo"\nsite_url = "https://example.org/demo/"\n'
        f'[archive]\npath = "inbox"\nlist = "demo"\nurl = "https://lists.example.org/demo/"\n'
        f'[digest]\nevery = "{every}"\n')
    return tmp_path / "ssg.toml"


def add(tmp_path: Path, mails: list[bytes]) -> None:
    with InboxWriter(tmp_path / "inbox") as w:
        for m in mails:
            w.add(m)


def run(cfg: Path, *args: str) -> int:
    return cli.main([args[0], "-f", str(cfg), "-q", *args[1:]])


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def reproducible(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MONDAY + 60 * DAY))


def test_weekly_backfill_writes_one_digest_per_week_and_accounts_every_message(tmp_path):
    cfg = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one") + week_of_mail(MONDAY + 8 * DAY, "two"))
    assert run(cfg, "digest") == 0
    digests = sorted((tmp_path / "content/digests").glob("*.md"))
    assert [p.name for p in digests] == ["2026-W10.md", "2026-W11.md", "index.md"]
    seen = []
    for path in sorted((tmp_path / "content/digests").glob("*.json")):
        data = json.loads(path.read_text())
        assert data["schema"] == 1
        seen += [m["message_id"] for m in data["messages"]]
        assert data["counts"]["patches"] == 2 and data["counts"]["covers"] == 1 and data["counts"]["replies"] == 1
        (series,) = data["series"]
        assert series["expected"] == 2 and [p["index"] for p in series["patches"]] == [1, 2]
        assert series["submitter"] == {"name": "Ada Lovelace", "email": "ada@contoso.com"}
        assert data["top_domains"] == [{"domain": "contoso.com", "organisation": "contoso.com", "count": 3}]
    assert len(seen) == len(set(seen)) == 8
    page = (tmp_path / "content/digests/2026-W10.md").read_text()
    assert "## Top 15 contributor email domains (based on email body)" in page
    assert "## Patch list" in page and "demo: one series" in page
    assert "https://lists.example.org/demo/cover-one@contoso.com/" in page


def test_second_run_changes_nothing_and_new_mail_adds_exactly_one_digest(tmp_path):
    cfg = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one"))
    assert run(cfg, "digest") == 0
    before = snapshot(tmp_path / "content")
    assert run(cfg, "digest") == 0
    assert snapshot(tmp_path / "content") == before
    add(tmp_path, week_of_mail(MONDAY + 15 * DAY, "three"))
    assert run(cfg, "digest") == 0
    after = snapshot(tmp_path / "content")
    new = sorted(set(after) - set(before))
    assert [p for p in new if p.startswith("digests/") and p.endswith(".md")] == ["digests/2026-W12.md"]
    changed = sorted(p for p in before if after[p] != before[p])
    # only the pages that list digests or the people involved change
    assert "digests/2026-W10.md" not in changed
    assert all(p in ("index.md", "digests/index.md", "digests/2026/index.md", "authors/index.md", "domains/index.md")
               or p.startswith(("authors/", "domains/")) for p in changed), changed


def test_hand_edited_digest_survives_and_force_overwrites(tmp_path):
    cfg = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one"))
    assert run(cfg, "digest") == 0
    page = tmp_path / "content/digests/2026-W10.md"
    edited = page.read_text().replace("## Patch list", "## Patch list\n\nEditor's note: read this one.")
    page.write_text(edited)
    assert state(edited) == "edited"
    (tmp_path / ".ssg-cache").rename(tmp_path / "old-cache")  # force a full regeneration
    assert run(cfg, "digest") == 0
    assert page.read_text() == edited
    (tmp_path / ".ssg-cache").exists() and shutil.rmtree(tmp_path / ".ssg-cache")
    assert run(cfg, "digest", "--force") == 0
    assert "Editor's note" not in page.read_text()


def test_open_period_is_a_draft_then_replaced_when_closed(tmp_path, monkeypatch):
    cfg = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MONDAY + 2 * DAY))
    assert run(cfg, "digest") == 0
    page = tmp_path / "content/digests/2026-W10.md"
    assert "draft: true" in page.read_text() and "feed: false" in page.read_text()
    add(tmp_path, [mail("[PATCH] demo: late fix", "late@contoso.com", MONDAY + 4 * DAY, patch_body())])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MONDAY + 9 * DAY))
    assert run(cfg, "digest") == 0
    text = page.read_text()
    assert "draft: false" in text and "demo: late fix" in text
    assert sorted(p.name for p in (tmp_path / "content/digests").glob("*.md")) == ["2026-W10.md", "index.md"]
    data = json.loads((tmp_path / "content/digests/2026-W10.json").read_text())
    assert data["counts"]["messages"] == 5


def test_explicit_range_json_and_determinism(tmp_path, capsys):
    cfg = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one"))
    assert run(cfg, "digest", "--range", "master~3..master", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["messages"] == 3 and len(data["range"]["from"]) == 40
    assert not (tmp_path / "content").exists() or not list((tmp_path / "content").rglob("*.md"))
    other = tmp_path / "twin"
    other.mkdir()
    shutil.copytree(tmp_path / "inbox", other / "inbox")
    cfg2 = site(other)
    assert run(cfg, "digest") == 0 and run(cfg2, "digest") == 0
    assert snapshot(tmp_path / "content") == snapshot(other / "content")


def test_hostile_subject_is_escaped_in_markdown(tmp_path):
    cfg = site(tmp_path)
    evil = "[PATCH] <script>alert(1)</script> [x](javascript:alert(1)) {{ 7*7 }} *bold*"
    add(tmp_path, [mail(evil, "evil@contoso.com", MONDAY + 3600, patch_body())])
    assert run(cfg, "digest") == 0
    page = (tmp_path / "content/digests/2026-W10.md").read_text()
    body = page.split("\n---\n", 1)[1]
    assert r"\<script\>alert(1)\</script\>" in body
    from ssg.render import make_markdown

    html = make_markdown().render(body)
    assert "<script" not in html and "javascript:" not in html.replace("(javascript:", "")
    assert "href=\"javascript" not in html and "<em>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_missing_archive_and_bad_range_give_one_line_errors(tmp_path, capsys):
    cfg = site(tmp_path)
    assert run(cfg, "digest") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "inbox" in err
    add(tmp_path, week_of_mail(MONDAY, "one"))
    assert run(cfg, "digest", "--range", "nosuchthing..master") == 1
    assert "nosuchthing" in capsys.readouterr().err


def test_bundled_example_builds_strict(tmp_path):
    for name in ("ssg.toml",):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "content").mkdir()
    shutil.copy(ROOT / "content/about.md", tmp_path / "content/about.md")
    assert run(tmp_path / "ssg.toml", "build", "--strict") == 0
    assert len(list((tmp_path / "content/digests").glob("20*.md"))) == 4
    assert (tmp_path / "site/index.html").is_file() and (tmp_path / "site/.nojekyll").is_file()
    assert (tmp_path / "site/about/index.html").is_file()
    ids = []
    for path in (tmp_path / "content/digests").glob("*.json"):
        ids += [m["message_id"] for m in json.loads(path.read_text())["messages"]]
    assert len(ids) == len(set(ids)) >= 80


def test_run_stopped_after_the_index_update_is_redone_cleanly(tmp_path):
    cfg = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one") + week_of_mail(MONDAY + 8 * DAY, "two"))
    assert run(cfg, "digest") == 0
    clean = snapshot(tmp_path / "content")
    # as if the process died after committing the index but before writing pages
    for p in (tmp_path / "content/digests").glob("2026-W11.*"):
        p.unlink()
    for p in (tmp_path / "content/series").glob("demo-two-*"):
        p.unlink()
    assert run(cfg, "digest") == 0
    assert snapshot(tmp_path / "content") == clean


def test_last_digest_commit_gone_from_a_fresh_mirror_continues_by_time(tmp_path, capsys):
    cfg = site(tmp_path)
    one, two = week_of_mail(MONDAY + 3600, "one"), week_of_mail(MONDAY + 8 * DAY, "two")
    add(tmp_path, one)
    assert run(cfg, "digest") == 0
    # a mirror whose history was rewritten and cloned afresh: the old commits are gone
    shutil.rmtree(tmp_path / "inbox")
    add(tmp_path, [one[0].replace(b"This series", b"This edited series")] + one[1:] + two)
    capsys.readouterr()
    assert cli.main(["digest", "-f", str(cfg)]) == 0
    assert "not in the archive any more" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "content/digests").glob("*.md")) == [
        "2026-W10.md", "2026-W11.md", "index.md"]
    assert "demo: two series" in (tmp_path / "content/digests/2026-W11.md").read_text()


def test_a_new_version_updates_the_versions_line_of_every_earlier_version(tmp_path):
    """v1, v2 and v3 each in their own run: v1's page must list v3 too, as a scratch build does."""
    cfg = site(tmp_path)

    def version(n: int) -> list[bytes]:
        when = MONDAY + 3600 + (n - 1) * 7 * DAY
        return [mail(f"[PATCH v{n}] demo: add the widget", f"widget-v{n}@contoso.com", when, patch_body())]

    for n in (1, 2, 3):
        add(tmp_path, version(n))
        assert run(cfg, "digest") == 0
    incremental = snapshot(tmp_path / "content")
    v1 = next(t for p, t in incremental.items() if p.startswith("series/") and b"\nversion: '1'" in t)
    assert v1.count(b"Versions: ") == 1 and b"v3" in v1.split(b"Versions: ")[1].split(b"\n")[0]
    shutil.rmtree(tmp_path / "content")
    shutil.rmtree(tmp_path / ".ssg-cache")
    assert run(cfg, "digest") == 0
    scratch = snapshot(tmp_path / "content")
    series = [p for p in scratch if p.startswith("series/")]
    assert len(series) == 3 and all(incremental[p] == scratch[p] for p in series)


def test_build_tells_the_renderer_whether_pages_are_coming(tmp_path, monkeypatch):
    """The digest says "pages are coming" once it has planned new ranges; a build with no
    new mail says nothing, and the render half then skips reading the last build's state
    and compiling the templates (``render_output.ahead``)."""
    import sys

    from ssg import handoff, render_output

    monkeypatch.setattr(sys, "stdout", sys.__stdout__)  # so that the digest really runs apart,
    monkeypatch.setattr(sys, "stderr", sys.__stderr__)  # beside the render half's ``ahead``
    heard, readied = [], []
    coming, ready = handoff.Heard.coming, render_output.load_theme
    monkeypatch.setattr(handoff.Heard, "coming", lambda self: heard.append(coming(self)) or heard[-1])
    monkeypatch.setattr(render_output, "load_theme", lambda cfg: readied.append(1) or ready(cfg))
    cfg = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one"))
    assert run(cfg, "build") == 0
    add(tmp_path, week_of_mail(MONDAY + 8 * DAY, "two"))
    assert run(cfg, "build") == 0
    assert heard == [True, True]
    built = snapshot(tmp_path / "site")
    heard.clear(), readied.clear()
    assert run(cfg, "build") == 0
    assert heard == [False] and snapshot(tmp_path / "site") == built
    assert len(readied) == 1  # the render's own settings check, not ``ahead``'s compile


def test_a_run_with_no_new_mail_leaves_content_alone_until_an_input_of_the_index_pages_changes(tmp_path, capsys):
    """``ssg.quiet``: no range to digest and the index pages as the last run wrote them,
    with the same configuration and code: nothing is written.  A changed setting, a
    deleted index page or one edited by hand brings the usual writing (and warning) back."""
    from ssg import quiet
    from ssg.index import Index

    cfg = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one"))
    assert run(cfg, "digest") == 0
    content = tmp_path / "content"
    with Index(tmp_path / ".ssg-cache" / "index.sqlite3") as idx:
        pages = json.loads(idx.get_meta(quiet.META))["pages"]
    assert {"index.md", "digests/index.md", "authors/index.md", "domains/index.md"} <= set(pages)
    before = {rel: (content / rel).stat().st_mtime_ns for rel in pages}
    capsys.readouterr()
    assert cli.main(["digest", "-f", str(cfg)]) == 0
    assert "0 files written, 0 unchanged" in capsys.readouterr().err
    assert {rel: (content / rel).stat().st_mtime_ns for rel in pages} == before

    cfg.write_text(cfg.read_text().replace('site_name = "Demo"', 'site_name = "Renamed demo"'))
    assert run(cfg, "digest") == 0
    assert "Renamed demo" in (content / "index.md").read_text()

    (content / "authors" / "index.md").unlink()
    assert run(cfg, "digest") == 0
    assert (content / "authors" / "index.md").is_file()

    home = content / "digests" / "index.md"
    home.write_text(home.read_text() + "\nA line of my own.\n")
    for _ in range(2):  # warned about at every run, not only the first
        capsys.readouterr()
        assert cli.main(["digest", "-f", str(cfg)]) == 0
        assert "digests/index.md was edited by hand" in capsys.readouterr().err
    assert "A line of my own." in home.read_text()
