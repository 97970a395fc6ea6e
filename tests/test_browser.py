"""The rendered sample site in a real headless chromium, served under /demo/.

Walks home → digest → series → author → domain and back by clicking, checks every
internal link and image, dark mode, a phone viewport, keyboard access, and saves
screenshots to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser_util import browser_missing, chromium, render_sample, serve, shot

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(bool(browser_missing()), reason=browser_missing() or "browser available")]

PAGES = {"home": "", "digest": "digests/2026-03-02-1a2b3c4d-5e6f7a8b/",
         "series": "series/vmbus-ring-buffer-accounting-v3-0123456789ab/",
         "author": "authors/ada-fictional/", "domain": "domains/contoso.com/",
         "digests": "digests/", "authors": "authors/", "domains": "domains/", "about": "about/"}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("browser")
    render_sample(tmp)
    with serve(tmp) as url:
        yield url + "/demo/"


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    # a request cancelled by the next navigation (net::ERR_ABORTED) is not a broken link
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url} {req.failure}")
            if "ERR_ABORTED" not in (req.failure or "") else None)
    page.on("response", lambda resp: errors.append(f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None)
    return errors


def test_walk_the_site_by_clicking(base, browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    errors = watch(page)
    page.goto(base)
    assert page.title() == "linux-hyperv digest"
    page.get_by_role("link", name="linux-hyperv mailing list update from 1a2b3c4d to 5e6f7a8b").click()
    assert page.url == base + PAGES["digest"]
    shot(page, "walk-1-digest")
    page.get_by_role("table").nth(2).get_by_role("link", name="Drivers: hv: vmbus: Fix ring buffer accounting").click()
    assert page.url == base + PAGES["series"]
    assert page.locator("h1").inner_text() == "Drivers: hv: vmbus: Fix ring buffer accounting"
    page.locator("main").get_by_role("link", name="Ada Fictional").first.click()
    assert page.url == base + PAGES["author"]
    page.locator("main").get_by_role("link", name="contoso.com").first.click()
    assert page.url == base + PAGES["domain"]
    shot(page, "walk-2-domain")
    page.go_back()
    assert page.url == base + PAGES["author"]
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Digests").click()
    assert page.url == base + PAGES["digests"]
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Home").click()
    assert page.url == base
    assert errors == []
    ctx.close()


def test_every_internal_link_and_image_resolves(base, browser):
    ctx = browser.new_context()
    page = ctx.new_page()
    errors = watch(page)
    seen: set[str] = set()
    todo = [base + p for p in PAGES.values()] + [base + "404.html"]
    checked: dict[str, int] = {}
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        page.goto(url)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        srcs = page.eval_on_selector_all("img[src], link[href]", "els => els.map(e => e.src || e.href)")
        for target in hrefs + srcs:
            parts = urlsplit(target)
            if not target.startswith(base):
                assert parts.scheme in ("https", "mailto"), target
                continue
            plain = urljoin(target, parts.path)
            if plain not in checked:
                checked[plain] = status(plain)
            if plain.endswith("/") and plain not in seen and checked[plain] == 200:
                todo.append(plain)
            if parts.fragment and plain == urljoin(url, urlsplit(url).path):
                assert page.locator(f"[id='{parts.fragment}']").count() == 1, target
    broken = {u: s for u, s in checked.items() if s != 200}
    assert broken == {}
    assert len(seen) >= 19
    assert errors == []
    ctx.close()


def test_404_page_works_at_any_depth(base, browser):
    page = browser.new_page()
    errors = watch(page)
    # http.server does not serve 404.html itself; open it at a deep URL the way Pages would
    html = urllib.request.urlopen(base + "404.html").read().decode()
    page.route("**/deep/er/missing/", lambda route: route.fulfill(status=404, body=html, content_type="text/html"))
    page.goto(base + "deep/er/missing/")
    color = page.evaluate("getComputedStyle(document.querySelector('.site-header')).borderBottomStyle")
    assert color == "solid"  # the stylesheet loaded from an absolute URL
    shot(page, "404-at-depth")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Home").click()
    assert page.url == base
    assert [e for e in errors if "deep/er/missing" not in e and "404 (Not Found)" not in e] == []
    page.close()


def luminance(css: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colour_schemes_and_contrast(base, browser, scheme):
    ctx = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(base + PAGES["digest"])
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    fg = page.evaluate("getComputedStyle(document.body).color")
    assert (luminance(bg) < 0.05) if scheme == "dark" else (luminance(bg) > 0.9), bg
    assert contrast(fg, bg) >= 4.5
    for selector in ("main a", ".site-footer p", ".highlight .gi", ".highlight .gd", ".highlight .m", "pre code"):
        color = page.evaluate(f"getComputedStyle(document.querySelector({selector!r})).color")
        back = page.evaluate(
            f"""(() => {{ let e = document.querySelector({selector!r});
                 while (e && getComputedStyle(e).backgroundColor === 'rgba(0, 0, 0, 0)') e = e.parentElement;
                 return e ? getComputedStyle(e).backgroundColor : 'rgb(255, 255, 255)'; }})()""")
        assert contrast(color, back) >= 4.5, (selector, color, back)
    shot(page, f"digest-laptop-{scheme}")
    page.goto(base)
    shot(page, f"home-laptop-{scheme}")
    ctx.close()


@pytest.mark.parametrize("name", ["home", "digest", "series", "authors"])
def test_phone_has_no_horizontal_overflow(base, browser, name):
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(base + PAGES[name])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px phone"
    overflowing = page.evaluate("""[...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                     && !e.closest('pre, table'))
        .map(e => e.tagName + '.' + e.className)""")
    assert overflowing == []
    shot(page, f"{name}-phone")
    ctx.close()


def test_keyboard_skip_link_and_focus_ring(base, browser):
    page = browser.new_page()
    page.goto(base + PAGES["digest"])
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#main'", timeout=5000)  # the jump is not instant under load
    assert page.url.endswith("#main")
    for role in ("banner", "main", "contentinfo"):
        assert page.get_by_role(role).count() == 1, role
    assert page.get_by_role("navigation", name="Site").count() == 1
    page.close()


def test_print_layout_hides_navigation(base, browser):
    page = browser.new_page()
    page.goto(base + PAGES["digest"])
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-nav')).display") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('pre')).whiteSpace") == "pre-wrap"
    shot(page, "digest-print-media")
    pdf = Path(__file__).resolve().parent / "artifacts" / "digest-print.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(pdf))
    assert pdf.stat().st_size > 1000
    page.close()
