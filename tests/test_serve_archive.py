"""Live preview end to end: new mail in the archive makes a draft digest appear."""

from __future__ import annotations

import time
import urllib.request

from ssg import config as configmod
from ssg import pipeline
from ssg.serve import PreviewServer
from tests.test_pipeline import DAY, MONDAY, add, mail, patch_body, site, week_of_mail


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def test_new_mail_in_the_archive_shows_a_draft_digest(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MONDAY + 9 * DAY))
    cfg_path = site(tmp_path)
    add(tmp_path, week_of_mail(MONDAY + 3600, "one"))
    cfg = configmod.load(cfg_path)
    pipeline.run(cfg, log=lambda m: None)
    runs = []

    def on_archive() -> None:
        runs.append(pipeline.run(configmod.load(cfg_path), log=lambda m: None))

    with PreviewServer(cfg, port=0, on_archive_change=on_archive, log=lambda m: None) as server:
        server.start()
        home = fetch(server.url + "digests/")
        assert "2026-W10" in home and "2026-W11" not in home
        add(tmp_path, [mail("[PATCH] demo: brand new fix", "new@contoso.com", MONDAY + 8 * DAY, patch_body())])
        deadline = time.monotonic() + 20
        page = ""
        while time.monotonic() < deadline:
            page = fetch(server.url + "digests/")
            if "2026-W11" in page:
                break
            time.sleep(0.1)
        assert "2026-W11" in page, "the new digest did not appear"
        digest = fetch(server.url + "digests/2026-W11/")
        assert "demo: brand new fix" in digest and "Draft" in digest
        assert runs and runs[-1].digests == ["digests/2026-W11.md"]
