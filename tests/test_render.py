"""content/ → site/: links, fences, escaping, front matter, theme chain, determinism, atomicity."""

from __future__ import annotations

from collections import Counter

import ast
import os
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from html import unescape

from ssg import config as cfg
from ssg.errors import RenderError
from ssg.render import Renderer, build, make_markdown, render_site, url_of

SAMPLE = Path(__file__).resolve().parent / "data" / "content"
SITE_URL = "https://digest.example.org/demo/"
ATOM = "{http://www.w3.org/2005/Atom}"
QUIET = {"log": lambda *_: None}


def conf(root: Path, **data):
    data.setdefault("site_url", SITE_URL)
    data.setdefault("site_name", "Test digest")
    return cfg.build(data, root=str(root))


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def page(title: str = "T", body: str = "", **meta) -> str:
    extra = "".join(f"{k}: {v}\n" for k, v in meta.items())
    return f"---\ntitle: {title}\n{extra}---\n\n{body}\n"


def site(tmp_path: Path, files: dict[str, str], **data) -> tuple[Path, object]:
    write(tmp_path, files)
    out = tmp_path / "out"
    report = render_site(conf(tmp_path, **data), out, **QUIET)
    return out, report


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "content")
    return tmp_path


# --- the contract ---------------------------------------------------------------

def test_renderer_never_imports_the_mail_side():
    forbidden = {"ssg.mail", "ssg.series", "ssg.digest", "ssg.archive", "ssg.content",
                 "ssg.classify", "ssg.threads"}
    for name in ("render", "theme", "lexers", "feeds"):
        source = (Path(__file__).resolve().parent.parent / "ssg" / f"{name}.py").read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                mods = {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                mods = {node.module or ""} | {f"{node.module}.{a.name}" for a in node.names}
            else:
                continue
            assert not mods & forbidden, f"ssg/{name}.py imports {mods & forbidden}"


@pytest.mark.parametrize("src, url", [
    ("index.md", ""), ("a/index.md", "a/"), ("a/b.md", "a/b/"), ("404.md", "404.html"),
    ("domains/contoso.com.md", "domains/contoso.com/"),
])
def test_pretty_urls(src, url):
    assert url_of(src) == url


def test_sample_site_renders_clean(sample):
    report = render_site(conf(sample), sample / "out", **QUIET)
    assert report.problems == ()
    files = tree(sample / "out")
    for rel in ("index.html", "404.html", ".nojekyll", "feed.xml", "sitemap.xml", "assets/style.css",
                "digests/index.html", "digests/2026-03-02-1a2b3c4d-5e6f7a8b/index.html",
                "digests/2026-03-02-1a2b3c4d-5e6f7a8b.json", "domains/contoso.com/index.html",
                "about/index.html"):
        assert rel in files, rel
    assert report.pages == 19 and report.copied == 3
    digest = files["digests/2026-03-02-1a2b3c4d-5e6f7a8b/index.html"].decode()
    assert 'href="../../domains/contoso.com/"' in digest
    assert 'href="../../series/vmbus-ring-buffer-accounting-v3-0123456789ab/"' in digest
    assert '<h3 id="s0123456789ab">' in digest
    assert "<title>linux-hyperv mailing list update from 1a2b3c4d to 5e6f7a8b · Test digest</title>" in digest


# --- links ------------------------------------------------------------------------

def test_links_are_rewritten_to_relative_pretty_urls(tmp_path):
    out, report = site(tmp_path, {
        "index.md": page(body="[a](a/b.md) [dir](a/index.md) [sub](a/) [frag](a/b.md#there) [json](a/x.json)"),
        "a/index.md": page(body="[up](../index.md) [sib](b.md#there) [self](#here)\n\n## Here"),
        "a/b.md": page(body="## There\n\n[home](../) [dir](./) [img](x.json) [bare](../a)"),
        "a/x.json": "{}",
    })
    assert report.problems == ()
    home = (out / "index.html").read_text()
    for href in ('href="a/b/"', 'href="a/"', 'href="a/b/#there"', 'href="a/x.json"'):
        assert href in home
    sub = (out / "a/index.html").read_text()
    assert 'href="../"' in sub and 'href="../a/b/#there"' in sub and 'href="#here"' in sub
    leaf = (out / "a/b/index.html").read_text()
    assert 'href="../../"' in leaf and 'href="../../a/"' in leaf and 'href="../../a/x.json"' in leaf
    assert leaf.count('href="../../a/"') == 2


def test_broken_links_and_anchors_are_problems_with_lines(tmp_path):
    _, report = site(tmp_path, {
        "index.md": page(body="ok\n\n[gone](missing.md)\n\n[bad anchor](b.md#nowhere)\n\n[self](#nope)"),
        "b.md": page(body="## Somewhere"),
    })
    found = {(p.code, p.path, p.line) for p in report.problems}
    assert found == {("broken-link", "index.md", 7), ("broken-anchor", "index.md", 9),
                     ("broken-anchor", "index.md", 11)}
    with pytest.raises(RenderError, match="broken-link"):
        render_site(conf(tmp_path), tmp_path / "strict", strict=True, **QUIET)
    assert not (tmp_path / "strict" / "index.html").exists()


def test_external_links_untouched_and_dangerous_schemes_refused(tmp_path):
    out, report = site(tmp_path, {"index.md": page(body=(
        "[ext](https://lore.kernel.org/x/) [mail](mailto:a@example.org) [abs](/root/)\n\n"
        "[js](javascript:alert(1)) [vb](vbscript:x) [file](file:///etc/passwd) "
        "[data](data:text/html,hi) [img](data:image/png;base64,AAAA)"))})
    html = (out / "index.html").read_text()
    assert 'href="https://lore.kernel.org/x/"' in html and 'href="mailto:a@example.org"' in html
    assert 'href="/root/"' in html
    for scheme in ("javascript:", "vbscript:", "file:", "data:"):
        assert f'href="{scheme}' not in html.lower()
    assert report.problems == ()


# --- Markdown --------------------------------------------------------------------

def test_fences_diffstat_diff_and_plain(tmp_path):
    body = ("```diffstat\n a.c | 3 ++-\n 1 file changed, 2 insertions(+), 1 deletion(-)\n```\n\n"
            "```diff\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n```\n\n"
            "```text\n<b>not bold</b> & stuff\n```\n\n```weird lang\nx < y\n```\n")
    out, _ = site(tmp_path, {"index.md": page(body=body)})
    html = (out / "index.html").read_text()
    assert html.count("<pre") == 4 and html.count("</pre>") == 4
    assert '<pre class="highlight lang-diffstat"><code>' in html
    assert '<span class="gi">++</span><span class="gd">-</span>' in html
    assert '<pre class="highlight lang-diff"><code>' in html and '<span class="gd">-old</span>' in html
    assert '<pre class="lang-text"><code>&lt;b&gt;not bold&lt;/b&gt; &amp; stuff' in html
    assert '<pre class="lang-weird"><code>x &lt; y' in html
    assert 'class="highlight"><pre' not in html  # no double wrapping


def test_raw_html_never_passes_through(tmp_path):
    out, _ = site(tmp_path, {"index.md": page(
        title='"<script>alert(1)</script>"',
        body="<script>alert(2)</script>\n\nInline <img src=x onerror=alert(3)> too.\n\n"
             "[x](y.md){onclick=alert(4)}")})
    html = (out / "index.html").read_text()
    assert "<script>" not in html and "<img src=x" not in html
    assert not re.search(r"<[^>]*onclick", html) and not re.search(r"<[^>]*onerror", html)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title, autoescaped


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_mail_text_never_injects_markup(text):
    md = make_markdown()
    fence = "~" * 8
    html = md.render(f"{fence}text\n{text}\n{fence}\n")
    body = html[html.index("<code>") + 6: html.rindex("</code>")]
    assert "<" not in body and ">" not in body
    assert unescape(body).rstrip("\n") == text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd").rstrip("\n") \
        or fence[:3] in text


def test_heading_ids_explicit_and_generated():
    md = make_markdown()
    html = md.render("# Top\n\n## Series one {#s0123456789ab}\n\n## Two words\n\n## Two words\n")
    assert '<h2 id="s0123456789ab">Series one</h2>' in html
    assert '<h2 id="two-words">' in html and '<h2 id="two-words-1">' in html


# --- front matter and templates ----------------------------------------------------

def test_front_matter_error_has_file_and_line(tmp_path):
    _, report = site(tmp_path, {"index.md": "---\ntitle: ok\nbad: [unclosed\nmore: 1\n---\nbody\n"})
    (problem,) = [p for p in report.problems if p.code == "front-matter"]
    assert problem.path == "index.md" and problem.line in (3, 4, 5)
    with pytest.raises(RenderError, match=r"index\.md:\d: front-matter"):
        render_site(conf(tmp_path), tmp_path / "strict", strict=True, **QUIET)


def test_dates_and_meta_become_plain_strings(tmp_path):
    out, report = site(tmp_path, {"index.md": page(date="2026-03-02T00:00:00Z", kind="home")},
                       theme={"custom_dir": "over"})
    assert report.problems == ()
    r = Renderer(conf(tmp_path), tmp_path / "o2", **QUIET)
    r.full()
    assert r.state.pages["index.md"].meta["date"] == "2026-03-02T00:00:00Z"
    assert r.state.pages["index.md"].date == "2026-03-02T00:00:00Z"


def test_unknown_template_is_a_problem(tmp_path):
    out, report = site(tmp_path, {"index.md": page(kind="nonesuch")})
    assert [p.code for p in report.problems] == ["unknown-template"]
    assert (out / "index.html").is_file()
    with pytest.raises(RenderError):
        render_site(conf(tmp_path), tmp_path / "strict", strict=True, **QUIET)


def test_override_chain_and_extending_the_original(tmp_path):
    write(tmp_path, {"index.md": page(body="hello"), "b.md": page(kind="digest", body="## A\n\n## B")})
    over = tmp_path / "overrides"
    (over / "assets").mkdir(parents=True)
    (over / "base.html").write_text(
        '{% extends "default/base.html" %}\n{% block head %}<meta name="x-override" content="yes">{% endblock %}\n')
    (over / "page.html").write_text('{% extends "base.html" %}\n{% block content %}<div class="mine">'
                                    '{{ page.content }}</div>{% endblock %}\n')
    (over / "assets" / "extra.css").write_text("body{}")
    out = tmp_path / "out"
    render_site(conf(tmp_path), out, **QUIET)
    home = (out / "index.html").read_text()
    assert '<meta name="x-override" content="yes">' in home and '<div class="mine">' in home
    assert 'class="skip-link"' in home  # the original base.html is still there
    digest = (out / "b/index.html").read_text()
    assert '<meta name="x-override" content="yes">' in digest and 'class="toc"' in digest
    assert (out / "assets/extra.css").is_file() and (out / "assets/style.css").is_file()


def test_strict_undefined_names_template_and_line(tmp_path):
    write(tmp_path, {"index.md": page()})
    over = tmp_path / "overrides"
    over.mkdir()
    (over / "page.html").write_text('{% extends "base.html" %}\n{% block content %}\n{{ page.nope }}\n{% endblock %}\n')
    with pytest.raises(RenderError) as info:
        render_site(conf(tmp_path), tmp_path / "out", **QUIET)
    assert re.search(r"overrides/page\.html:3$", info.value.location), info.value.location
    assert "nope" in str(info.value)


# --- output --------------------------------------------------------------------------

def test_404_uses_absolute_urls_with_site_url(sample):
    out = sample / "out"
    render_site(conf(sample), out, **QUIET)
    html = (out / "404.html").read_text()
    assert 'href="/demo/assets/style.css"' in html and 'href="/demo/digests/"' in html
    render_site(conf(sample, site_url=""), sample / "plain", **QUIET)
    plain = (sample / "plain" / "404.html").read_text()
    assert 'href="assets/style.css"' in plain


def test_missing_404_page_is_generated(tmp_path):
    out, _ = site(tmp_path, {"index.md": page()})
    assert "Page not found" in (out / "404.html").read_text()


def test_nojekyll_cname_canonical_and_social_meta(tmp_path):
    out, _ = site(tmp_path, {"index.md": page(summary="Sum & more"), "a.md": page(title="A")},
                  cname="digest.example.org")
    assert (out / ".nojekyll").read_bytes() == b""
    assert (out / "CNAME").read_text() == "digest.example.org\n"
    html = (out / "a/index.html").read_text()
    assert f'<link rel="canonical" href="{SITE_URL}a/">' in html
    assert f'<meta property="og:url" content="{SITE_URL}a/">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert '<meta name="description" content="Sum &amp; more">' in (out / "index.html").read_text()


def test_no_site_url_means_no_feed_sitemap_or_canonical(tmp_path):
    out, report = site(tmp_path, {"index.md": page(feed="true", body="[feed](feed.xml)")}, site_url="")
    assert not (out / "feed.xml").exists() and not (out / "sitemap.xml").exists()
    assert [p.code for p in report.problems] == ["broken-link"]
    assert "canonical" not in (out / "index.html").read_text()


def test_draft_banner_and_exclusion(tmp_path):
    out, _ = site(tmp_path, {"index.md": page(), "d.md": page(draft="true", feed="true", date="2026-01-01")})
    assert "draft-banner" in (out / "d/index.html").read_text()
    assert "draft-banner" not in (out / "index.html").read_text()
    assert "/d/" not in (out / "sitemap.xml").read_text() and "/d/" not in (out / "feed.xml").read_text()


def test_feed_is_atom_with_absolute_urls(sample, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = sample / "out"
    render_site(conf(sample), out, **QUIET)
    root = ET.fromstring((out / "feed.xml").read_bytes())
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert root.find(f"{ATOM}updated").text == "2026-03-02T00:00:00Z"
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}updated").text for e in entries] == ["2026-03-02T00:00:00Z", "2026-02-23T00:00:00Z"]
    for e in entries:
        for name in ("id", "title", "updated", "summary", "content"):
            assert e.find(f"{ATOM}{name}") is not None, name
        assert e.find(f"{ATOM}id").text.startswith(SITE_URL)
        content = e.find(f"{ATOM}content").text
        hrefs = re.findall(r'href="([^"]+)"', content)
        assert hrefs and all(h.startswith(("https://", "#")) for h in hrefs), hrefs
    for link in root.iter(f"{ATOM}link"):
        assert link.get("href").startswith(SITE_URL)


def test_sitemap_lists_public_pages(sample):
    out = sample / "out"
    render_site(conf(sample), out, **QUIET)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ET.fromstring((out / "sitemap.xml").read_bytes())
    locs = [u.find(f"{ns}loc").text for u in root.findall(f"{ns}url")]
    assert locs == sorted(locs) and len(locs) == 18  # every page but 404
    assert SITE_URL in locs and f"{SITE_URL}digests/2026-03-02-1a2b3c4d-5e6f7a8b/" in locs
    assert all(u.startswith(SITE_URL) for u in locs) and not any("404" in u for u in locs)


# --- determinism, atomicity, incremental ---------------------------------------------

def test_two_builds_are_byte_identical(sample):
    render_site(conf(sample), sample / "one", **QUIET)
    render_site(conf(sample), sample / "two", **QUIET)
    assert tree(sample / "one") == tree(sample / "two")


def test_build_swaps_atomically_and_keeps_old_site_on_failure(sample):
    c = conf(sample)
    build(c, **QUIET)
    site_dir = sample / "site"
    before = tree(site_dir)
    assert "index.html" in before
    over = sample / "overrides"
    over.mkdir()
    (over / "page.html").write_text("{% extends 'base.html' %}{% block content %}{{ broken }}{% endblock %}")
    with pytest.raises(RenderError):
        build(c, **QUIET)
    assert tree(site_dir) == before
    assert sorted(p.name for p in sample.iterdir()) == [".ssg-cache", "content", "overrides", "site"]
    (over / "page.html").unlink()
    (sample / "content" / "about.md").write_text(page(title="About", body="# Changed about"))
    build(c, **QUIET)
    assert "Changed about" in (site_dir / "about/index.html").read_text()
    assert sorted(p.name for p in sample.iterdir()) == [".ssg-cache", "content", "overrides", "site"]


def test_strict_build_keeps_old_site(sample):
    c = conf(sample)
    build(c, **QUIET)
    before = tree(sample / "site")
    (sample / "content" / "about.md").write_text(page(body="[x](nowhere.md)"))
    with pytest.raises(RenderError):
        build(c, strict=True, **QUIET)
    assert tree(sample / "site") == before


def _assert_same_as_clean(tmp: Path, renderer: Renderer, name: str) -> None:
    clean = tmp / f"clean-{name}"
    report = render_site(renderer.config, clean, **QUIET)
    assert tree(renderer.out_dir) == tree(clean), name
    assert renderer.problems() == report.problems, name


def test_incremental_updates_equal_a_clean_build(sample):
    c = conf(sample)
    content = sample / "content"
    r = Renderer(c, sample / "live", **QUIET)
    r.full()
    digest = content / "digests" / "2026-03-02-1a2b3c4d-5e6f7a8b.md"

    digest.write_text(digest.read_text().replace("## Patch list", "## Patches posted"))
    report = r.update({digest})
    assert report.pages < 19 and any(p.code == "broken-anchor" for p in report.problems)  # about.md#patch-list
    _assert_same_as_clean(sample, r, "edit")

    new = content / "digests" / "2026-03-09-5e6f7a8b-9a8b7c6d.md"
    new.write_text(page(title="New digest", kind="digest", feed="true", date="2026-03-09T00:00:00Z",
                        body="# New\n\n[old](2026-03-02-1a2b3c4d-5e6f7a8b.md)"))
    r.update({new})
    _assert_same_as_clean(sample, r, "add")
    assert "New digest" in (sample / "live" / "feed.xml").read_text()

    target = content / "authors" / "dmitri-testov.md"
    target.unlink()
    report = r.update({target})
    assert any(p.code == "broken-link" and "dmitri" in p.detail for p in report.problems)
    assert not (sample / "live" / "authors" / "dmitri-testov").exists() or \
        not (sample / "live" / "authors" / "dmitri-testov" / "index.html").exists()
    _assert_same_as_clean(sample, r, "delete")

    nav_page = content / "domains" / "index.md"
    nav_page.unlink()
    r.update({nav_page})
    _assert_same_as_clean(sample, r, "nav")

    over = sample / "overrides"
    over.mkdir()
    (over / "series.html").write_text('{% extends "default/series.html" %}{% block head %}<meta name="s">{% endblock %}')
    r2 = Renderer(c, sample / "live2", **QUIET)
    r2.full()
    (over / "series.html").write_text('{% extends "default/series.html" %}{% block head %}<meta name="t">{% endblock %}')
    report = r2.update({over / "series.html"})
    assert report.pages == 4
    _assert_same_as_clean(sample, r2, "template")

    (sample / "content" / "digests" / "2026-03-02-1a2b3c4d-5e6f7a8b.json").write_text('{"changed": true}')
    r2.update({sample / "content" / "digests" / "2026-03-02-1a2b3c4d-5e6f7a8b.json"})
    _assert_same_as_clean(sample, r2, "file")


def test_update_with_base_template_rerenders_everything(sample):
    over = sample / "overrides"
    over.mkdir()
    base = over / "base.html"
    base.write_text('{% extends "default/base.html" %}')
    r = Renderer(conf(sample), sample / "live", **QUIET)
    r.full()
    base.write_text('{% extends "default/base.html" %}{% block head %}<meta name="b">{% endblock %}')
    report = r.update({base})
    assert report.pages == 19
    _assert_same_as_clean(sample, r, "base")


def test_two_processes_give_the_same_site_as_one(sample):
    one = Renderer(conf(sample), sample / "one", workers=1, **QUIET).full()
    two = Renderer(conf(sample), sample / "two", workers=2, **QUIET).full()
    assert tree(sample / "one") == tree(sample / "two")
    assert one.problems == two.problems and one.pages == two.pages


@pytest.mark.parametrize("hold", [0, 3, 4000])
def test_workers_keep_the_facts_of_their_first_pages_for_the_render(sample, monkeypatch, tmp_path, hold):
    """A worker parses its share, then renders it: the facts of its first ``HOLD`` pages are
    kept in between, the others read back (flat memory).  The site is the same either way."""
    from ssg import render_cache, render_workers

    log = tmp_path / "parsed.txt"
    real = render_cache.PageStore.parse

    def parse(self, src, path, **kw):
        with open(log, "a") as f:  # (appended by each forked worker)
            f.write(f"{os.getpid()} {src}\n")
        return real(self, src, path, **kw)
    monkeypatch.setattr(render_cache.PageStore, "parse", parse)
    monkeypatch.setattr(render_workers, "HOLD", hold)
    Renderer(conf(sample), sample / "one", workers=1, cache=False, **QUIET).full()
    log.unlink()
    Renderer(conf(sample), sample / "two", workers=2, **QUIET).full()
    assert tree(sample / "one") == tree(sample / "two")
    me = str(os.getpid())  # (the feed's pages are parsed again here, for their bodies)
    counts = Counter(src for pid, src in map(str.split, log.read_text().splitlines()) if pid != me)
    pages = len(counts)
    assert pages > 2 * 3 and set(counts.values()) <= {1, 2}
    assert sum(n == 1 for n in counts.values()) == min(pages, 2 * hold)  # parsed once: held


def test_errors_in_worker_processes_reach_the_caller(sample):
    over = sample / "overrides"
    over.mkdir()
    (over / "series.html").write_text('{% extends "base.html" %}\n{% block content %}{{ page.missing }}{% endblock %}')
    with pytest.raises(RenderError) as info:
        Renderer(conf(sample), sample / "out", workers=2, **QUIET).full()
    assert info.value.location.endswith("overrides/series.html:2")


def test_update_after_a_parallel_full_pass_equals_clean(sample):
    r = Renderer(conf(sample), sample / "live", workers=2, **QUIET)
    r.full()
    about = sample / "content" / "about.md"
    about.write_text(page(title="About", body="# About\n\n[home](index.md)"))
    r.update({about})
    _assert_same_as_clean(sample, r, "parallel")


def test_update_notices_a_new_override_directory(sample):
    r = Renderer(conf(sample), sample / "live", **QUIET)
    r.full()
    over = sample / "overrides"
    over.mkdir()
    (over / "page.html").write_text('{% extends "base.html" %}{% block content %}<p>over</p>{% endblock %}')
    r.update({over / "page.html"})
    assert "<p>over</p>" in (sample / "live" / "about" / "index.html").read_text()
    _assert_same_as_clean(sample, r, "new-overrides")


def test_update_with_a_removed_directory_equals_clean(sample):
    r = Renderer(conf(sample), sample / "live", **QUIET)
    r.full()
    shutil.rmtree(sample / "content" / "domains")
    report = r.update({sample / "content" / "domains"})
    assert not (sample / "live" / "domains").exists()
    assert any(p.code == "broken-link" for p in report.problems)
    _assert_same_as_clean(sample, r, "rmdir")


_segment = st.sampled_from(["a", "b", "index", "x.y", "2026-03-02-1a2b", "é"])


@settings(max_examples=25, deadline=None)
@given(st.sets(st.lists(_segment, min_size=1, max_size=3).map("/".join), min_size=1, max_size=6))
def test_every_relative_md_link_lands_on_its_page(tmp_path_factory, stems):
    """Link every page to every other with a relative .md path; each href must resolve to the target URL."""
    from urllib.parse import urljoin, unquote
    root = tmp_path_factory.mktemp("links")
    srcs = sorted({s + ".md" for s in stems} | {"index.md"})
    files = {}
    for src in srcs:
        here = posixpath.dirname(src) or "."
        links = " ".join(f"[{t}]({posixpath.relpath(t, here)})" for t in srcs)
        files[src] = page(body=links)
    srcs_urls = {src: url_of(src) for src in srcs}
    if len(set(srcs_urls.values())) < len(srcs):  # a/index.md and a.md share a URL: not a valid site
        return
    out, report = site(root, files)
    assert report.problems == ()
    base = "http://h/demo/"
    for src in srcs:
        html = (out / (srcs_urls[src] + "index.html")).read_text()
        html = html[html.index('<article class="content">'):html.index("</article>")]
        hrefs = re.findall(r'<a href="([^"]*)">([^<]*)</a>', html)
        assert len(hrefs) == len(srcs)
        for href, target in hrefs:
            landed = unquote(urljoin(base + srcs_urls[src], href))
            assert landed == base + srcs_urls[target], (src, href, target)


def test_feed_keeps_the_newest_entries_only(tmp_path):
    from ssg.render import FEED_LIMIT
    files = {"index.md": page()}
    for day in range(1, FEED_LIMIT + 6):
        files[f"d/{day:02d}.md"] = page(title=f"Day {day}", feed="true", date=f"2026-01-01T00:{day:02d}:00Z")
    out, _ = site(tmp_path, files)
    root = ET.fromstring((out / "feed.xml").read_bytes())
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert titles == [f"Day {d}" for d in range(FEED_LIMIT + 5, 5, -1)]
