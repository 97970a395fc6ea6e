"""Author, domain and digest lists bounded by time: a main page with the
all-time summary and the latest year, one page per year, and an incremental
run that leaves the pages of earlier years alone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ssg import assemble, urls
from ssg.home_pages import RECENT, DigestRef, digests_index, digests_year_pages, home_page
from ssg.inbox import InboxWriter
from ssg.model import Address
from ssg.people_pages import PatchRef, Person, SeriesRef, author_page, author_year_page
from ssg.content import Context
from tests.test_pipeline import DAY, MONDAY, add, mail, patch_body, run, site, snapshot, week_of_mail

YEAR_BEFORE = MONDAY - 364 * DAY
"""Monday 2025-03-03."""
LINK = re.compile(r"\]\(([^)#]+)")


@pytest.fixture(autouse=True)
def reproducible(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MONDAY + 60 * DAY))


def two_years() -> list[bytes]:
    old = [mail("[PATCH] demo: old fix from last year", "old-fix@contoso.com", YEAR_BEFORE, patch_body()),
           mail("Re: [PATCH] demo: old fix from last year", "old-rev@fabrikam.com", YEAR_BEFORE + 3600,
                "> quoted\n\nReviewed-by: Bob Builder <bob@fabrikam.com>\n",
                frm="Bob Builder <bob@fabrikam.com>", reply_to="old-fix@contoso.com"),
           mail("[PATCH] demo: another old fix", "old-two@fabrikam.com", YEAR_BEFORE + 7200,
                patch_body("drivers/demo/b.c"), frm="Bob Builder <bob@fabrikam.com>")]
    return old + week_of_mail(MONDAY + 3600, "one")


def person_dir(content: Path, name: str) -> str:
    """``authors/a<hash>`` of the person called ``name`` (from the authors index)."""
    index = (content / "authors/index.md").read_text()
    (target,) = re.findall(r"\[" + re.escape(name) + r"\]\(([^)]+)\.md\)", index)
    return f"authors/{target}"


def links_resolve(content: Path) -> None:
    for page in content.rglob("*.md"):
        for target in LINK.findall(page.read_text()):
            if "://" in target or target.endswith(".xml"):
                continue
            assert (page.parent / target).resolve().is_file(), (page, target)


def test_main_pages_keep_the_latest_year_and_link_every_year_page(tmp_path):
    cfg = site(tmp_path)
    add(tmp_path, two_years())
    assert run(cfg, "digest") == 0
    content = tmp_path / "content"
    ada = person_dir(content, "Ada Lovelace")
    main = (content / f"{ada}.md").read_text()
    assert "(a" in main and f"{ada[8:]}/2025.md" in main and f"{ada[8:]}/2026.md" in main
    assert "demo: one part 1" in main and "old fix from last year" not in main
    assert "**3** patches authored" in main  # the all-time counts stay
    old = (content / f"{ada}/2025.md").read_text()
    assert "old fix from last year" in old and "one part 1" not in old and "kind: author" in old
    assert "Ada Lovelace in 2025" in old
    new = (content / f"{ada}/2026.md").read_text()
    assert "demo: one part 1" in new and "old fix" not in new
    bob = person_dir(content, "Bob Builder")
    assert "Reviewed-by on [demo: old fix from last year]" in (content / f"{bob}/2025.md").read_text()
    dom = (content / "domains/contoso.com.md").read_text()
    assert "(contoso.com/2025.md)" in dom and "one series" in dom and "old fix" not in dom
    assert "old fix from last year" in (content / "domains/contoso.com/2025.md").read_text()
    assert "another old fix" in (content / "domains/fabrikam.com/2025.md").read_text()
    assert (content / "digests/2025/index.md").is_file() and (content / "digests/2026/index.md").is_file()
    assert "2026/index.md" in (content / "digests/index.md").read_text()
    links_resolve(content)


def test_new_mail_rewrites_only_the_current_year_and_matches_a_fresh_build(tmp_path, monkeypatch):
    cfg = site(tmp_path)
    add(tmp_path, two_years())
    assert run(cfg, "digest") == 0
    content = tmp_path / "content"
    ada = person_dir(content, "Ada Lovelace")
    old_pages = [f"{ada}/2025.md", "domains/contoso.com/2025.md", "digests/2025/index.md"]
    stamps = {p: (content / p).stat() for p in old_pages}
    made: list[str] = []
    for name in ("author_year_page", "domain_year_page"):
        real = getattr(assemble, name)
        monkeypatch.setattr(assemble, name, lambda *a, real=real: made.append(real(*a).path) or real(*a))
    add(tmp_path, week_of_mail(MONDAY + 15 * DAY, "three"))
    assert run(cfg, "digest") == 0
    assert made and not [p for p in made if "2025" in p], made  # not even generated again
    for p, st in stamps.items():
        now = (content / p).stat()
        assert (now.st_ino, now.st_mtime_ns) == (st.st_ino, st.st_mtime_ns), f"{p} was rewritten"
    assert "demo: three part 1" in (content / f"{ada}/2026.md").read_text()
    assert "demo: three part 1" in (content / f"{ada}.md").read_text()
    # the same archive built from scratch gives the same content/
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copytree(tmp_path / "inbox", fresh / "inbox")
    assert run(site(fresh), "digest") == 0
    assert snapshot(fresh / "content") == snapshot(content)


def test_year_pages_that_lose_every_entry_are_removed(tmp_path):
    cfg = site(tmp_path)
    add(tmp_path, two_years())
    assert run(cfg, "build") == 0
    content = tmp_path / "content"
    ada = person_dir(content, "Ada Lovelace")
    assert (content / f"{ada}/2025.md").is_file()
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', (tmp_path / "site" / ada / "2025/index.html").read_text(),
                       re.S).group(0)
    assert 'href="../../../authors/"' in crumbs and f'<a href="../../../{ada}/">Ada Lovelace</a>' in crumbs
    with InboxWriter(tmp_path / "inbox") as w:
        w.delete("old-fix@contoso.com")
        w.add(mail("[PATCH] demo: later fix", "later@contoso.com", MONDAY + 15 * DAY, patch_body()))
    assert run(cfg, "build") == 0
    assert not (content / f"{ada}/2025.md").exists()
    assert not (content / "domains/contoso.com/2025.md").exists()
    assert (content / "domains/fabrikam.com/2025.md").is_file()  # Bob's other 2025 patch stays
    assert "2025.md" not in (content / f"{ada}.md").read_text()
    assert not (tmp_path / "site" / ada / "2025").exists()
    links_resolve(content)


def refs(n: int, when: int = MONDAY) -> list[DigestRef]:
    return [DigestRef(f"digests/d{i:03d}.md", f"digest {i}", "", when - i * 7 * DAY, when - i * 7 * DAY + 7 * DAY,
                      False, (("messages", 1), ("series", 1))) for i in range(n)]


def test_home_lists_recent_digests_and_year_pages_list_all():
    digests = refs(RECENT + 40)
    home = home_page(digests, "Demo", "demo", "").text
    assert home.count("](digests/d") == RECENT + 1  # the latest digest, then the recent table
    years = sorted({urls.year_of(d.start) for d in digests})
    for y in years:
        assert f"(digests/{y}/index.md)" in home
    pages = digests_year_pages(digests, "demo")
    assert [p.path for p in pages] == [urls.digests_year_path(y) for y in years]
    listed = [t for p in pages for t in re.findall(r"\(\.\./(d\d+\.md)\)", p.text)]
    assert sorted(listed) == sorted(d.path[8:] for d in digests)
    index = digests_index(digests, "demo").text
    assert index.count("](d") == RECENT and all(f"({y}/index.md)" in index for y in years)


def test_year_pages_escape_mail_fields_and_keep_addresses_out_of_paths():
    evil = Address("<script>x</script> *Eve*", "eve@evil.example")
    p = Person("eve-key", evil, ("evil.example",),
               (SeriesRef("series/s-1.md", "[x](javascript:alert(1))", "1", YEAR_BEFORE, 1, 1, "eve-key", evil),),
               (PatchRef("series/s-1.md", "<img src=x onerror=y>", YEAR_BEFORE, "", evil),),
               (PatchRef("series/s-2.md", "ok", MONDAY, "<b>Acked-by</b>", evil),))
    year = author_year_page(p, 2025)
    assert year.path == urls.author_year_path("eve-key", 2025) and "eve" not in year.path
    assert re.fullmatch(r"authors/a[0-9a-f]{11}/2025\.md", year.path)
    assert "<script>" not in year.text.split("---\n", 2)[2].replace("\\<script\\>", "")
    assert "\\<img" in year.text and "\\[x\\]" in year.text
    main = author_page(p, Context("demo", "")).text
    assert "2025.md" in main and "2026.md" in main and "\\<b\\>Acked-by" in main


def test_a_review_of_one_patch_names_the_patch_and_a_review_of_the_cover_does_not(tmp_path):
    cfg = site(tmp_path)
    t = MONDAY + 3600
    bob = "Bob Builder <bob@fabrikam.com>"
    add(tmp_path, [
        mail("[PATCH 0/2] demo: ring fixes", "ring-0@contoso.com", t, "Two fixes.\n"),
        mail("[PATCH 1/2] demo: check the size", "ring-1@contoso.com", t + 60, patch_body(),
             reply_to="ring-0@contoso.com"),
        mail("[PATCH 2/2] demo: free on <error>", "ring-2@contoso.com", t + 120, patch_body("drivers/demo/b.c"),
             reply_to="ring-0@contoso.com"),
        mail("Re: [PATCH 2/2] demo: free on <error>", "rev-2@fabrikam.com", t + 3600,
             "> quoted\n\nReviewed-by: Bob Builder <bob@fabrikam.com>\n", frm=bob, reply_to="ring-2@contoso.com"),
        mail("Re: [PATCH 0/2] demo: ring fixes", "rev-0@fabrikam.com", t + 7200,
             "> quoted\n\nAcked-by: Bob Builder <bob@fabrikam.com>\n", frm=bob, reply_to="ring-0@contoso.com"),
    ])
    assert run(cfg, "digest") == 0
    page = (tmp_path / "content" / f"{person_dir(tmp_path / 'content', 'Bob Builder')}.md").read_text()
    lines = [line for line in page.splitlines() if " on [demo: ring fixes]" in line]
    assert len(lines) == 2
    assert lines[0].startswith("- ") and lines[0].endswith(".md)")  # the cover: the whole series
    assert "Acked-by" in lines[0]
    assert "Reviewed-by" in lines[1] and lines[1].endswith(r".md): demo: free on \<error\>")


def test_the_organisation_column_shows_only_when_an_organisation_is_known(tmp_path):
    cfg = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one"))
    assert run(cfg, "digest") == 0
    content = tmp_path / "content"
    digest = next((content / "digests").glob("*-W*.md")).read_text()
    for text in (digest, (content / "domains/index.md").read_text()):
        assert "| Domain |" in text and "Organisation" not in text  # no map configured: no empty column
    cfg.write_text(cfg.read_text() + '[people]\norganisations = {"contoso.com" = "Contoso <Ltd>"}\n')
    assert run(cfg, "digest") == 0  # a new map: the digests already written are made again
    digest = next((content / "digests").glob("*-W*.md")).read_text()
    assert "| Domain | Organisation | Messages |" in digest and r"| Contoso \<Ltd\> |" in digest
    index = (content / "domains/index.md").read_text()
    assert "| Domain | Organisation | People |" in index and r"| Contoso \<Ltd\> | 1 | 3 |" in index
