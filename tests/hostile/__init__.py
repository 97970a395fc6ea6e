"""Hostile-input test helpers: hypothesis profiles and an HTML checker for active content.

Profiles (registered on import; ``test_fuzz.py`` loads the one named by
``HYPOTHESIS_PROFILE``): ``ci`` (the default, a few hundred examples per property)
and ``deep`` (at least 10,000 per property, run on demand:
``HYPOTHESIS_PROFILE=deep .venv/bin/pytest tests/test_fuzz.py``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("deep", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

THEME_SCRIPTS: frozenset[str] = frozenset()
"""``<script>`` elements the built-in theme emits itself (src or first 60 characters): none."""
ACTIVE_TAGS = frozenset({"script", "iframe", "object", "embed", "frame", "frameset", "applet", "base",
                         "form", "meta-refresh", "svg", "math"})
URL_ATTRS = frozenset({"href", "src", "action", "formaction", "data", "poster", "background", "srcset",
                       "xlink:href", "ping", "cite", "longdesc", "manifest", "icon"})
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


@dataclass
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


class _Checker(HTMLParser):
    def __init__(self, path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.findings: list[Finding] = []
        self.text: list[str] = []

    def _bad(self, what: str) -> None:
        self.findings.append(Finding(self.path, self.getpos()[0], what))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_TAGS:
            self._bad(f"<{tag}> element")
        if tag == "meta" and any(k == "http-equiv" and (v or "").lower() == "refresh" for k, v in attrs):
            self._bad("<meta http-equiv=refresh>")
        for key, value in attrs:
            if key.startswith("on"):
                self._bad(f"event attribute {key}= on <{tag}>")
            if key in ("style",) and value and ("expression(" in value or "url(" in value.lower()):
                self._bad(f"style with expression/url on <{tag}>")
            if key in URL_ATTRS and value is not None:
                probe = "".join(ch for ch in value if ch > " ").lower()
                if probe.startswith(BAD_SCHEMES):
                    self._bad(f"{key}={value[:60]!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@dataclass
class SiteScan:
    """Result of scanning every HTML file of a site."""

    pages: int = 0
    findings: list[Finding] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    """Visible text of each page (entities decoded), keyed by site-relative path."""

    def shows(self, needle: str) -> list[str]:
        return [p for p, t in self.texts.items() if needle in t]


def scan_html(path: Path, rel: str = "") -> tuple[list[Finding], str]:
    checker = _Checker(rel or str(path))
    checker.feed(path.read_bytes().decode("utf-8"))
    checker.close()
    return checker.findings, " ".join(checker.text)


def scan_site(site: Path, limit: int | None = None, every: int = 1) -> SiteScan:
    """Parse every (or every n-th, at most ``limit``) HTML file under ``site``."""
    result = SiteScan()
    files = sorted(site.rglob("*.html"))[::every]
    for p in files[:limit]:
        rel = p.relative_to(site).as_posix()
        findings, text = scan_html(p, rel)
        result.pages += 1
        result.findings += findings
        result.texts[rel] = text
    for p in sorted(site.rglob("*.xml")):  # feed entries carry rendered HTML (escaped in XML)
        rel = p.relative_to(site).as_posix()
        root = ElementTree.parse(p).getroot()
        for n, node in enumerate(root.iter()):
            if node.tag.endswith(("}content", "}summary")) and node.get("type") == "html" and node.text:
                checker = _Checker(f"{rel}#{n}")
                checker.feed(node.text)
                checker.close()
                result.findings += checker.findings
        result.texts[rel] = "".join(root.itertext())
    return result


def tree_snapshot(*roots: Path, skip: tuple[Path, ...] = ()) -> set[str]:
    """Every path (files, dirs, links) under the roots, except under ``skip``."""
    out: set[str] = set()
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            if any(here == s or s in here.parents for s in skip):
                dirnames[:] = []
                continue
            for name in dirnames + filenames:
                out.add(str(here / name))
    return out
