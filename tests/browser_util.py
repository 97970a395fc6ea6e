"""Helpers for browser tests: render the sample site under a sub-path, serve it, drive chromium.

The site is rendered into ``<tmp>/demo`` and the server serves ``<tmp>``, so every
page lives under ``/demo/`` as it would on a GitHub Pages project site.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run",
                 "--disable-component-update", "--disable-sync"]
SAMPLE = Path(__file__).resolve().parent / "data" / "content"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def browser_missing() -> str:
    """Why browser tests cannot run here, or empty when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    return ""


def render_sample(tmp: Path, *, sub: str = "demo", **settings) -> Path:
    """Render tests/data/content into ``tmp/sub`` with site_url ``http://127.0.0.1/<sub>/``."""
    from ssg import config as cfg
    from ssg.render import render_site

    data = {"site_name": "linux-hyperv digest", "site_url": f"https://digest.example.org/{sub}/",
            "copyright": "© 2026 The sample authors. All people and patches are fictional.",
            "site_description": "Weekly digests of the linux-hyperv mailing list."}
    data.update(settings)
    conf = cfg.build(data, root=str(SAMPLE.parent))
    out = tmp / sub
    render_site(conf, out, log=lambda *_: None)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (port 0) in a thread; yields the base URL; always joins."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="test-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless chromium browser (Debian's) driven by playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        exe = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot to tests/artifacts/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
