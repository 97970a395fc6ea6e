"""The persistent render cache: hits and misses, corruption, invalidation, and byte-equality with clean builds."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from ssg import config as cfg
from ssg import render_cache
from ssg.errors import RenderError
from ssg.render import Renderer, build, render_site

SAMPLE = Path(__file__).resolve().parent / "data" / "content"
QUIET = {"log": lambda *_: None}


def conf(root: Path, **data):
    data.setdefault("site_url", "https://digest.example.org/demo/")
    data.setdefault("site_name", "Test digest")
    return cfg.build(data, root=str(root))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def clean(root: Path, config, name: str = "clean") -> dict[str, bytes]:
    """A build without any cache, into a throw-away directory."""
    out = root / name
    shutil.rmtree(out, ignore_errors=True)
    render_site(config, out, cache=False, **QUIET)
    return tree(out)


def cache_file(root: Path) -> Path:
    return root / ".ssg-cache" / "render" / render_cache.PageCache.FILE


def entries(root: Path) -> dict[str, bytes]:
    """The cache's entries, by key, as stored."""
    with closing(sqlite3.connect(cache_file(root))) as db:
        return dict(db.execute("select key, data from page order by key"))


def rewrite(root: Path, changed: dict[str, bytes | None]) -> None:
    """Store other bytes under some keys (None: delete the entry)."""
    with closing(sqlite3.connect(cache_file(root), isolation_level=None)) as db:
        for key, data in changed.items():
            if data is None:
                db.execute("delete from page where key = ?", (key,))
            else:
                db.execute("update page set data = ? where key = ?", (data, key))


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "content")
    return tmp_path


def test_second_pass_hits_the_cache_and_renders_the_same(sample):
    c = conf(sample)
    first = Renderer(c, sample / "one", **QUIET)
    first.full()
    pages = len(first.state.pages)
    assert first.cache.hits == 0 and first.cache.misses == pages
    assert len(entries(sample)) == len({p.key for p in first.state.pages.values()})
    second = Renderer(c, sample / "two", **QUIET)
    second.full()
    assert second.cache.hits == len({p.key for p in second.state.pages.values()}) and second.cache.misses == 0
    assert tree(sample / "one") == tree(sample / "two") == clean(sample, c)


def test_a_changed_page_misses_and_the_others_hit(sample):
    c = conf(sample)
    Renderer(c, sample / "one", **QUIET).full()
    page = sample / "content" / "about.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    r = Renderer(c, sample / "two", **QUIET)
    r.full()
    assert r.cache.misses == 1
    assert tree(sample / "two") == clean(sample, c)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "wrong-key", "wrong-shape", "empty"])
def test_a_corrupt_entry_is_ignored(sample, damage):
    c = conf(sample)
    Renderer(c, sample / "one", **QUIET).full()
    found = entries(sample)
    other = found[max(found)]
    changed = {}
    for key, data in found.items():
        if damage == "truncate":  # into the facts (a cut body is the next test's)
            changed[key] = data[:80]
        elif damage == "flip":  # one bit inside the facts
            at = data.index(b"\n") + 12
            changed[key] = data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1:]
        elif damage == "garbage":
            changed[key] = os.urandom(200)
        elif damage == "empty":
            changed[key] = b""
        elif damage == "wrong-key":  # well sealed, but another page's entry
            changed[key] = other
        else:  # well sealed, but not the shape of page facts
            changed[key] = render_cache.PageCache.encode(key, {"meta": {}, "parts": ["a", "b"], "hrefs": []})
    rewrite(sample, changed)
    r = Renderer(c, sample / "two", **QUIET)
    r.full()
    assert r.cache.hits == 0 or damage == "wrong-key" and r.cache.hits <= 1
    assert tree(sample / "two") == clean(sample, c)


@pytest.mark.parametrize("damage", ["truncate", "flip", "swap", "delete"])
def test_a_corrupt_body_is_ignored(sample, damage):
    c = conf(sample)
    Renderer(c, sample / "one", **QUIET).full()
    bodies = entries(sample)
    first, last = min(bodies), max(bodies)
    changed: dict[str, bytes | None] = {}
    for key, data in bodies.items():
        if damage == "truncate":  # the facts stay whole, the body is cut
            changed[key] = data[:-20]
        elif damage == "flip":
            changed[key] = data[:-3] + bytes([data[-3] ^ 0x01]) + data[-2:]
        elif damage == "swap":  # a well-sealed entry of another page
            changed[key] = bodies[first] if key != first else bodies[last]
        else:
            changed[key] = None
    rewrite(sample, changed)
    r = Renderer(c, sample / "two", **QUIET)
    r.full()
    assert tree(sample / "two") == clean(sample, c)  # a body names its key: a swapped one is refused too


@pytest.mark.parametrize("damage", ["garbage", "truncate", "directory"])
def test_a_damaged_cache_file_is_an_empty_cache(sample, damage):
    c = conf(sample)
    build(c, **QUIET)
    path = cache_file(sample)
    if damage == "garbage":
        path.write_bytes(b"not a database " * 500)
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:3000])
    else:  # nothing can be opened there at all
        path.unlink()
        path.mkdir()
    page = sample / "content" / "about.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    report = build(c, **QUIET)
    assert report.pages > 0
    assert tree(sample / "site") == clean(sample, c)
    if damage != "directory":  # a damaged file was replaced by a working cache
        again = Renderer(c, sample / "three", **QUIET)
        again.full()
        assert again.cache.misses == 0 and again.cache.hits > 0


def test_entries_of_the_one_file_per_page_format_are_removed(sample):
    old = sample / ".ssg-cache" / "render" / "pages" / "ab"
    old.mkdir(parents=True)
    (old / "ab12.page").write_bytes(b"ssg-render-1 0 x y\n")
    c = conf(sample)
    build(c, **QUIET)
    assert not old.parent.exists()
    assert len(entries(sample)) > 0


def test_the_engine_fingerprint_is_part_of_the_key():
    assert render_cache.text_key("x") != render_cache.digest("x")
    assert len(render_cache.engine()) == 32


def test_the_engine_names_only_the_page_libraries_installed_beside_them(tmp_path):
    """A library upgrade re-renders every page; installing an unrelated package (a
    profiler, a linter) beside them does not (it used to)."""
    for name in ("jinja2-3.1.6.dist-info", "PyYAML-6.0.egg-info", "markdown_it_py-4.3.0.dist-info",
                 "Pygments-2.14.0.egg-info", "py_spy-0.4.3.dist-info", "mypy-2.4.1.dist-info",
                 "markdown_it_pyrs-0.4.0.dist-info", "jinja2", "mdurl-0.1.2.dist-info-not"):
        (tmp_path / name).mkdir()
    assert render_cache.library_metadata(tmp_path) == [
        "PyYAML-6.0.egg-info", "Pygments-2.14.0.egg-info", "jinja2-3.1.6.dist-info",
        "markdown_it_py-4.3.0.dist-info", "markdown_it_pyrs-0.4.0.dist-info"]
    assert render_cache.library_metadata(tmp_path / "missing") == []


def test_build_twice_writes_nothing_the_second_time(sample):
    c = conf(sample)
    first = build(c, **QUIET)
    assert first.pages > 0
    site = sample / "site"
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    again = build(c, **QUIET)
    assert again.pages == 0 and again.problems == first.problems
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()} == before


def test_incremental_build_equals_a_clean_build(sample):
    c = conf(sample)
    build(c, **QUIET)
    page = sample / "content" / "about.md"
    page.write_text(page.read_text().replace("---\n\n", "---\n\nA new first line.\n\n", 1))
    report = build(c, **QUIET)
    assert report.pages > 0
    assert tree(sample / "site") == clean(sample, c)
    (sample / "content" / "about.md").unlink()  # a navigation page: every page changes
    build(c, **QUIET)
    assert tree(sample / "site") == clean(sample, c)


def test_a_template_change_invalidates(sample):
    c = conf(sample)
    build(c, **QUIET)
    over = sample / "overrides"
    over.mkdir()
    (over / "page.html").write_text("{% extends 'default/page.html' %}{% block content %}[override]"
                                    "{{ super() }}{% endblock %}")
    build(c, **QUIET)
    site = tree(sample / "site")
    assert site == clean(sample, c)
    assert any(b"[override]" in data for data in site.values())
    (over / "page.html").write_text("{% extends 'default/page.html' %}{% block content %}[changed]"
                                    "{{ super() }}{% endblock %}")
    build(c, **QUIET)
    site = tree(sample / "site")
    assert site == clean(sample, c)
    assert any(b"[changed]" in data for data in site.values()) and not any(b"[override]" in d for d in site.values())


def test_a_config_change_invalidates(sample):
    build(conf(sample), **QUIET)
    c = conf(sample, site_name="Another name")
    report = build(c, **QUIET)
    assert report.pages > 0
    site = tree(sample / "site")
    assert site == clean(sample, c)
    assert b"Another name" in site["index.html"]


def test_a_hand_edited_site_is_rebuilt(sample):
    c = conf(sample)
    build(c, **QUIET)
    (sample / "site" / "index.html").write_text("edited by hand")
    build(c, **QUIET)
    assert tree(sample / "site") == clean(sample, c)


def test_a_corrupt_manifest_is_ignored(sample):
    c = conf(sample)
    build(c, **QUIET)
    manifest = sample / ".ssg-cache" / "render" / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:-20])
    page = sample / "content" / "about.md"
    page.write_text(page.read_text() + "\nMore.\n")
    assert build(c, **QUIET).pages > 0
    assert tree(sample / "site") == clean(sample, c)


def test_parallel_equals_serial_with_and_without_cache(sample):
    for n, where in enumerate(("", "digests/", "digests/deep/")):  # every kind of link, from three folders
        page = sample / "content" / where / f"links{n}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("# Links\n\n[a](../index.md) [b](about.md) [c](digests/) [d](./) [e](#links)"
                        " [f](?q=1) [g](digests) [h](../about.md#about) [i](nowhere.md) [j](https://x.org/a.md)"
                        " [k](//cdn.example/x) [l](/abs.md) [m](links0.md) [n](../../index.md) [o](data.txt)\n")
    c = conf(sample)
    serial = Renderer(c, sample / "one", workers=1, cache=False, **QUIET)
    serial.full()
    assert len(serial.state.targets["digests/deep/links2.md"]) >= 5  # the test sees real links
    for name in ("two", "three"):  # cold, then warm cache
        parallel = Renderer(c, sample / name, workers=2, **QUIET)
        parallel.full()
        assert tree(sample / name) == tree(sample / "one")
        assert parallel.problems() == serial.problems()
        assert parallel.state.outputs == serial.state.outputs
        # the workers map their own pages' links: the same reverse map as the serial pass's
        assert parallel.state.targets == serial.state.targets
        assert parallel.state.linkers == serial.state.linkers


def test_update_after_a_parallel_pass_equals_a_clean_build(sample):
    c = conf(sample)
    r = Renderer(c, sample / "live", workers=2, **QUIET)
    r.full()
    page = sample / "content" / "about.md"
    page.write_text(page.read_text() + "\nChanged live.\n")
    report = r.update({page})
    assert "about/index.html" in report.changed
    assert tree(sample / "live") == clean(sample, c)


def test_a_worker_error_reaches_the_caller_with_its_location(sample):
    over = sample / "overrides"
    over.mkdir()
    (over / "page.html").write_text("{% extends 'base.html' %}\n{% block content %}\n{{ nothing.here }}{% endblock %}")
    with pytest.raises(RenderError) as info:
        Renderer(conf(sample), sample / "out", workers=2, **QUIET).full()
    assert "page.html:3" in info.value.location


def test_identical_pages_are_parsed_once_per_pass(sample):
    text = (sample / "content" / "about.md").read_text()
    for i in range(5):
        (sample / "content" / f"copy{i}.md").write_text(text)
    r = Renderer(conf(sample), sample / "out", cache=False, **QUIET)
    r.full()
    keys = {p.key for p in r.state.pages.values()}
    assert len(r.store.memo) == len(keys) < len(r.state.pages)
    assert tree(sample / "out")["copy3/index.html"].replace(b"copy3", b"about") \
        == tree(sample / "out")["about/index.html"]


def test_warm_parses_only_the_texts_the_cache_lacks(tmp_path, monkeypatch):
    """``PageStore.warm`` asks the cache about each text (``has``), pending entries included."""
    store = render_cache.PageStore(tmp_path / "cache", tmp_path)
    first, second = "# One\n\nbody\n", "# Two\n\nother body\n"
    assert store.warm([first]) == 1
    assert store.cache.has(render_cache.text_key(first)) and not store.cache.has(render_cache.text_key(second))
    parsed = []
    real = store.pagelib.parse_text
    monkeypatch.setattr(store.pagelib, "parse_text", lambda *a, **k: parsed.append(a[1]) or real(*a, **k))
    fresh = render_cache.PageStore(tmp_path / "cache", tmp_path)  # (a new process: nothing in memory)
    assert fresh.warm([first, second, second]) == 1
    assert parsed == [second]
    assert fresh.cache.has(render_cache.text_key(second))
