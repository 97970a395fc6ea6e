"""ssg serve in a real headless chromium: edit → live reload, broken template → error page → recovery."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ssg import config as cfg
from ssg.serve import PreviewServer

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run",
        "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"browser tests need chromium at {CHROMIUM}"),
]

try:
    from ssg.render import Renderer
except Exception:  # the renderer is not there yet: use the fake builder
    Renderer = None

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ page.title }}</title></head>
<body>{% block body %}<main>{{ page.content }}</main>{% endblock %}</body></html>
"""
CHILD = '{% extends "base.html" %}\n'
BROKEN = '{% extends "base.html" %}\n{% block body %}\n<main>{{ page.content }</main>\n{% endblock %}\n'


def make_site(tmp_path: Path) -> cfg.Config:
    theme = tmp_path / "mytheme"
    theme.mkdir()
    (theme / "base.html").write_text(BASE)
    for name in ("page.html", "home.html", "404.html"):
        (theme / name).write_text(CHILD)
    (tmp_path / "overrides").mkdir()
    content = tmp_path / "content"
    content.mkdir()
    (content / "index.md").write_text("---\ntitle: Home\n---\n# Home\n\nSee [the page](page.md).\n")
    (content / "page.md").write_text("---\ntitle: Page\n---\n# A page\n\nOriginal words.\n")
    return cfg.build({"site_url": "https://example.org/demo/", "theme": {"name": str(theme)}},
                     root=str(tmp_path))


def factory():
    if Renderer is not None:
        return lambda c, out: Renderer(c, out, log=lambda _m: None)
    from tests.test_serve import FakeBuilder

    return FakeBuilder


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def test_live_reload_error_page_and_recovery(tmp_path, browser):
    config = make_site(tmp_path)
    logs: list[str] = []
    server = PreviewServer(config, port=0, builder_factory=factory(), log=logs.append)
    with server:
        page = browser.new_page()
        console_errors: list[str] = []
        bad_responses: list[str] = []
        page.on("console", lambda m: console_errors.append(f"{m.text} {m.location.get('url', '')}")
                if m.type == "error" else None)
        page.on("response", lambda r: bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(server.url + "page/")
        assert "Original words." in page.inner_text("body")
        # wait for the long poll to be in flight, so the timing below is save → visible
        time.sleep(0.3)

        latencies = []
        for i in range(3):
            word = f"Edited words {i}."
            t0 = time.monotonic()
            (tmp_path / "content" / "page.md").write_text(f"---\ntitle: Page\n---\n# A page\n\n{word}\n")
            page.wait_for_function("w => document.body.innerText.includes(w)", arg=word, polling=10,
                                   timeout=10_000)
            latencies.append(time.monotonic() - t0)
            time.sleep(0.3)
        print(f"\nsave → visible latency (s): {', '.join(f'{x:.3f}' for x in latencies)}")

        # a broken override template: the error (file and line) shows without a manual reload
        override = tmp_path / "overrides" / "page.html"
        t0 = time.monotonic()
        override.write_text(BROKEN)
        page.wait_for_function("() => document.body.innerText.includes('overrides/page.html')",
                               timeout=10_000)
        print(f"break → error visible (s): {time.monotonic() - t0:.3f}")
        text = page.inner_text("body")
        assert "overrides/page.html:3" in text or "overrides/page.html" in text
        # a new visit (or manual reload) gets the error page itself, status 500
        page2 = browser.new_page()
        response = page2.goto(server.url + "page/")
        assert response.status == 500 and "overrides/page.html" in page2.inner_text("#ssg-error")

        # fix it: both tabs recover by themselves
        t0 = time.monotonic()
        override.write_text(CHILD)
        for p in (page, page2):
            p.wait_for_function("() => !document.getElementById('ssg-build-error') && "
                                "!document.getElementById('ssg-error') && "
                                "document.body.innerText.includes('Edited words 2.')", timeout=10_000)
        print(f"fix → recovered (s): {time.monotonic() - t0:.3f}")
        assert page2.evaluate("document.title") == "Page"
        page.screenshot(path=str(tmp_path / "recovered.png"))
        # the browser's own favicon probe is the only request that fails
        assert all(b.endswith("/favicon.ico") for b in bad_responses), bad_responses
        assert all(e.endswith("/favicon.ico") for e in console_errors), console_errors
        page.close()
        page2.close()


def test_hidden_tab_does_not_poll(tmp_path, browser):
    config = make_site(tmp_path)
    server = PreviewServer(config, port=0, builder_factory=factory(), log=lambda _m: None)
    with server:
        page = browser.new_page()
        polls: list[str] = []
        page.on("request", lambda r: polls.append(r.url) if "__ssg__/livereload" in r.url else None)
        page.goto(server.url + "page/")
        page.wait_for_function("() => true")
        time.sleep(0.3)
        assert polls, "the page polls for reloads while visible"
        # pretend the tab is hidden: the in-flight poll is aborted and no new one starts
        page.evaluate("""() => {
            Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
            document.dispatchEvent(new Event('visibilitychange'));
        }""")
        n = len(polls)
        (tmp_path / "content" / "page.md").write_text("---\ntitle: Page\n---\nChanged while hidden.\n")
        time.sleep(1.0)
        assert len(polls) == n and "Changed while hidden." not in page.inner_text("body")
        # shown again: it checks at once and reloads because the epoch grew
        page.evaluate("""() => {
            Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
            document.dispatchEvent(new Event('visibilitychange'));
        }""")
        page.wait_for_function("() => document.body.innerText.includes('Changed while hidden.')",
                               timeout=10_000)
        page.close()
