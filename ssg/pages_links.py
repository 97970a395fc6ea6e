"""Links between content pages: what each link points to, and which links are broken.

``target`` maps a page's href to a site path and the page it names (or None:
external); ``link_targets`` gives the renderer its reverse link map, ``check`` the
broken links and anchors of a page.  Turning a target into a URL is ``pages.resolver``.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, Any, Callable, Container, Mapping
from urllib.parse import unquote, urlsplit

from ssg.errors import Problem

if TYPE_CHECKING:
    from ssg.pages import Page

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _split(href: str) -> tuple[str, str, str]:
    """(path, fragment, query) of a relative href, unquoted as ``urlsplit`` and ``unquote`` give
    them.  Most hrefs ssg writes have nothing to split or unquote (``../series/x.md``): those
    skip the parser, which strips spaces and controls and splits at ``#`` and ``?``."""
    if "%" not in href and " " not in href and href.isprintable():
        if "#" not in href and "?" not in href:
            return href, "", ""
        if href[0] == "#":
            return "", href[1:], ""
    parts = urlsplit(href)
    return unquote(parts.path), unquote(parts.fragment), parts.query


def target(src: str, href: str, pages: Container[str]) -> tuple[str, str, str, str] | None:
    """Internal link → (site path, target source or "", fragment, query); None if external."""
    if not href or _SCHEME.match(href) or href.startswith(("//", "/")):
        return None
    path, frag, query = _split(href)
    if not path:
        return "", src, frag, query
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
    if path.endswith("/") and joined != ".":
        joined += "/"
    if joined in (".", "./"):
        joined = ""
    if joined.endswith(".md"):
        return joined, joined, frag, query
    index = (joined + "index.md") if (joined == "" or joined.endswith("/")) else ""
    if index:
        return joined, index, frag, query
    if joined + "/index.md" in pages:
        return joined + "/", joined + "/index.md", frag, query
    return joined, "", frag, query


TARGETS_MEMO = 20_000
"""Link targets remembered by (folder, href) (``link_targets``, the renderer's ``_target``);
past this a memo starts over (memory stays flat)."""


def link_targets(pages: Mapping[str, Page], every: Container[str],
                 memo: dict[tuple[str, str], Any] | None = None) -> dict[str, set[str]]:
    """Page source → what its links point to (a page source, else a site path), for
    ``pages`` of a site whose page sources are ``every``.  A target depends only on
    which pages exist, so a worker that knows them maps its own share's links.
    ``memo``: targets by (folder, href) already known for ``every`` (the renderer's,
    which its link checks and URLs then find filled), added to."""
    out: dict[str, set[str]] = {}
    memo = {} if memo is None else memo
    for src, page in pages.items():
        folder = src[:src.rfind("/") + 1]
        for href, _ in page.links:
            if not href or href[0] in "#?":  # relative to the page itself: not shared
                found = target(src, href, every)
            elif (found := memo.get((folder, href), memo)) is memo:
                if len(memo) >= TARGETS_MEMO:
                    memo.clear()  # bounded: the hot targets (people, domains) come back at once
                found = memo[folder, href] = target(src, href, every)
            if found is not None:
                out.setdefault(src, set()).add(found[1] or found[0])
    return out


def check(page: Page, pages: Mapping[str, Page], exists: Callable[[str], bool],
          find: Callable[[str, str], tuple | None]) -> list[Problem]:
    """Broken links and anchors of one page; ``exists`` answers for non-page files."""
    problems = []
    for href, line in page.links:
        found = find(page.src, href)
        if found is None:
            continue
        path, src, frag, _ = found
        if path.startswith("../") or path == "..":
            problems.append(Problem("broken-link", f"{href} points outside the content", path=page.src, line=line))
        elif src and src not in pages:
            problems.append(Problem("broken-link", f"{href}: no page {src}", path=page.src, line=line))
        elif not src and not exists(path):
            problems.append(Problem("broken-link", f"{href}: no file {path}", path=page.src, line=line))
        elif src and frag and frag not in pages[src].anchors:
            problems.append(Problem("broken-anchor", f"{href}: no anchor #{frag} in {src}", path=page.src, line=line))
    return problems
