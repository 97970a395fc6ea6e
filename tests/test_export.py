"""Newsletter exports of a digest: text like the reference, email HTML, Markdown."""

from __future__ import annotations

import html.parser
import shutil

import pytest

from ssg import cli
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    root = tmp_path_factory.mktemp("example")
    shutil.copy(ROOT / "ssg.toml", root / "ssg.toml")
    shutil.copytree(ROOT / "examples", root / "examples")
    assert cli.main(["digest", "-f", str(root / "ssg.toml"), "-q"]) == 0
    return root


def export(root, capsys, *args):
    assert cli.main(["export", "-f", str(root / "ssg.toml"), *args]) == 0
    return capsys.readouterr().out


def test_text_reads_like_the_reference_with_the_patch_list_filled(example, capsys):
    out = export(example, capsys, "2026-W11")
    lines = out.splitlines()
    assert lines[0].startswith("demo-virt mailing list update from ") and len(lines[0].split()) == 8
    for heading in ("Top 15 contributor Email domains (Based on Email Body)",
                    "Top 15 contributors (Based on Email Body)", "Patch list in this time period",
                    "Patch Commit Messages"):
        i = lines.index(heading)
        assert lines[i + 1] == "-" * 70
    start = lines.index("Patch list in this time period") + 2
    assert lines[start] and lines[start] != "(none)"
    assert "New: vmbus: batch interrupt acknowledgements" in out
    assert "Author: Jiří Novák <" in out
    assert "files changed" in out or "file changed" in out


def test_markdown_and_email_html_use_absolute_links(example, capsys):
    md = export(example, capsys, "latest", "--format", "markdown")
    assert "](https://example.github.io/ssg-demo/digests/2026-W13/" in md
    page = export(example, capsys, "latest", "--format", "email-html")
    links = []

    class P(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            assert tag not in ("script", "style", "link", "img")
            links.extend(v for k, v in attrs if k == "href")
    P().feed(page)
    assert links and all(h.startswith("https://") for h in links)
    assert "<style" not in page and 'style="' in page


def test_unknown_digest_is_one_clear_line(example, capsys):
    assert cli.main(["export", "-f", str(example / "ssg.toml"), "1999-W01"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1999-W01" in err
