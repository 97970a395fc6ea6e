"""The site built from the hostile corpus, opened in headless Chromium: no dialog fires,
no request leaves loopback, no script runs, and the live DOM (as the browser parsed
it, not as html.parser did) has no script, frame, event handler or javascript: link.
"""

from __future__ import annotations

import shutil
import time
from urllib.parse import urlsplit

import pytest

from tests.browser_util import browser_missing, chromium, serve
from tests.hostile.corpus import corpus
from tests.hostile.site import Built

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(bool(browser_missing()), reason=browser_missing() or "browser available")]

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
PAGE_SECONDS = 120.0
DOM_AUDIT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'frame', 'object', 'embed', 'applet', 'base', 'form'].includes(tag))
      bad.push('<' + tag + '>');
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(tag + ' ' + a.name + '=');
      if (['href', 'src', 'action', 'formaction', 'data', 'srcset'].includes(a.name)) {
        const v = a.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
        if (/^(javascript|vbscript|data):/.test(v)) bad.push(tag + ' ' + a.name + '=' + a.value.slice(0, 60));
      }
    }
  }
  for (const a of document.links) {
    if (!['http:', 'https:', 'mailto:'].includes(a.protocol)) bad.push('link protocol ' + a.protocol);
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    built = Built(tmp_path_factory.mktemp("hostile-browser"), [h.raw for h in corpus()])
    assert built.build_rc == 0, built.err.getvalue()[-2000:]
    served = built.root / "served"
    shutil.copytree(built.site, served / "hostile")  # under the site_url's path, as published
    with serve(served) as url:
        yield built, url + "/hostile/"


def test_no_dialog_no_script_and_nothing_leaves_loopback(hostile_site):
    built, base = hostile_site
    pages = sorted(p.relative_to(built.site).as_posix() for p in built.site.rglob("*.html"))
    dialogs, hosts, errors, audit = [], set(), [], []
    t0 = time.monotonic()
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=True)

        def route(r):
            host = urlsplit(r.request.url).hostname or urlsplit(r.request.url).scheme
            hosts.add(host)
            return r.continue_() if host in LOOPBACK else r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
        page.add_init_script("window.__ssg_hostile_ran = 0;")
        for rel in pages:
            url = base + ("" if rel == "index.html" else rel.removesuffix("index.html"))
            page.goto(url, wait_until="load")
            page.mouse.move(5, 5)
            page.mouse.move(300, 400)  # hover: onmouseover would fire now
            found = page.evaluate(DOM_AUDIT)
            audit += [f"{rel}: {b}" for b in found]
        context.close()
    print(f"\n{len(pages)} pages in {time.monotonic() - t0:.1f}s; hosts: {sorted(hosts)}")
    assert len(pages) > 60
    assert not dialogs, dialogs[:10]
    assert hosts <= LOOPBACK, hosts
    assert not audit, audit[:20]
    assert not errors, errors[:10]
    assert time.monotonic() - t0 < PAGE_SECONDS
