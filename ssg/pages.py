"""Content pages: front matter, page facts, URLs and link resolving.

A page is parsed once into ``Page`` facts that no longer need markdown-it: its
body is rendered right away with every link target replaced by a placeholder
(``parts`` around ``hrefs``), so a page can be rendered again for any root
(relative pages, absolute feed) by ``Page.body(resolve)``, and the facts can be
cached across builds (see ``render_cache``).  ``parse_text`` depends on the text
only; ``page_of`` adds what depends on the page's path.

The Markdown pipeline is ``md_pipeline``'s, link targets and checks are
``pages_links``'.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import quote

import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from ssg import front_yaml, md_native, md_pipeline
from ssg.errors import Problem, RenderError

NAV = (("Home", "index.md", ""), ("Digests", "digests/index.md", "digests/"),
       ("Authors", "authors/index.md", "authors/"), ("Domains", "domains/index.md", "domains/"))
"""Navigation entries: label, the page that must exist, its URL path."""
NAV_SOURCES = frozenset(src for _, src, _ in NAV) | {"about.md"}
"""Pages whose existence changes every page (nav, footer)."""
HOLE = "\x00"
"""Placeholder for a link target in a pre-rendered body (markdown-it turns NUL in input into U+FFFD)."""
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (same results, faster)."""


@dataclass(slots=True)
class Page:
    """One parsed content page (working state of the renderer, never exported)."""

    src: str
    url: str
    meta: dict[str, Any]
    anchors: frozenset[str]
    links: tuple[tuple[str, int], ...]
    problems: tuple[Problem, ...]
    template: str
    toc: tuple[dict[str, Any], ...] = ()
    date: str = ""
    parts: tuple[str, ...] | None = ()
    """The rendered body split at each link target; None when left out (sent between processes)."""
    hrefs: tuple[str, ...] = ()
    """The original link targets, one between each two ``parts``."""
    key: str = ""
    """Hash of the page's text (and the engine): the render cache key."""

    def __reduce__(self):  # positional: a third faster to pickle than the slots' state dict
        return (Page, (self.src, self.url, self.meta, self.anchors, self.links, self.problems, self.template,
                       self.toc, self.date, self.parts, self.hrefs, self.key))

    def body(self, resolve: Callable[[str], str], parts: tuple[str, ...] | None = None) -> str:
        """The body HTML with every link target resolved (``parts`` when the page was left without)."""
        parts = parts or self.parts or ("",)
        out = [parts[0]]
        for href, part in zip(self.hrefs, parts[1:]):
            out.append(escapeHtml(resolve(href)))
            out.append(part)
        return "".join(out)


# --- pages and URLs -------------------------------------------------------------

def url_of(src: str) -> str:
    """Site-relative URL path of a content page: ``a/b.md`` → ``a/b/``, ``index.md`` → ``""``."""
    if src == "404.md":
        return "404.html"
    stem = src[:-3]
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[:-5]
    return stem + "/"


def output_of(url: str) -> str:
    """Output file of a URL path: ``a/`` → ``a/index.html``."""
    return url if url.endswith(".html") else url + "index.html"


def root_of(url: str) -> str:
    """Relative path from a page URL back to the site root."""
    return "../" * url.count("/")


def _iso(value: Any) -> str:
    """A YAML date/datetime/string → ``YYYY-MM-DDTHH:MM:SSZ`` (UTC); ValueError if not a date."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    elif isinstance(value, str):
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    else:
        raise ValueError(value)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain(value: Any) -> Any:
    """Front matter as plain view data: dates become ISO strings, keys strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return _iso(value)
    return value


def _front_matter(content: str | None) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
    """Meta and problems of a page's front matter text (None: the page has none)."""
    if content is None:
        return {}, [("no-front-matter", "page has no YAML front matter", 1)]
    fast = front_yaml.load(content)
    if fast is not None:
        return fast, []
    try:
        meta = yaml.load(content, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        why = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return {}, [("front-matter", f"invalid YAML front matter: {why}", line)]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return {}, [("front-matter", "front matter is not a mapping", 2)]
    return _plain(meta), []


def _collect(tokens: list) -> tuple[list[str], list, list]:
    """Anchors (every id), links (href, line) and the table of contents of a token stream."""
    anchors: set[str] = set()
    links: list[tuple[str, int]] = []
    toc: list[dict[str, Any]] = []
    for i, token in enumerate(tokens):
        attrs = token.attrs
        if attrs and attrs.get("id"):
            anchors.add(str(attrs["id"]))
            if token.type == "heading_open" and token.tag in ("h2", "h3"):
                text = "".join(c.content for c in tokens[i + 1].children or () if c.type in ("text", "code_inline"))
                toc.append({"level": int(token.tag[1]), "id": str(attrs["id"]), "title": text})
        if token.type == "inline":
            line = token.map[0] + 1 if token.map else 0
            for child in token.children or ():
                attrs = child.attrs
                if not attrs:
                    continue
                if attrs.get("id"):
                    anchors.add(str(attrs["id"]))
                href = attrs.get("href") if child.type == "link_open" else (
                    attrs.get("src") if child.type == "image" else None)
                if href is not None:
                    links.append((str(href), line))
    return sorted(anchors), links, toc


def parse_text(md: MarkdownIt, text: str, *, native: bool = False) -> dict[str, Any]:
    """The path-independent facts of one page's text, as JSON-able data (the render cache's value).

    ``native`` tries ``md_native`` (markdown-it-pyrs) first: the same facts, faster,
    for the pages it can reproduce exactly; ``md`` does the others.
    """
    found = md_native.parse(_normalized(text), md_pipeline.fence_html, md_pipeline.validate_link) if native else None
    if found is not None:
        meta, problems = _front_matter(found["front"])
        return {"meta": meta, "problems": problems, "anchors": found["anchors"], "links": found["links"],
                "toc": found["toc"], "parts": found["parts"], "hrefs": found["hrefs"]}
    tokens = md.parse(text)
    meta, problems = _front_matter(tokens[0].content if tokens and tokens[0].type == "front_matter" else None)
    anchors, links, toc = _collect(tokens)
    hrefs: list[str] = []

    def hole(href: str) -> str:
        hrefs.append(href)
        return HOLE

    parts = md.renderer.render(tokens, md.options, {"resolve": hole}).split(HOLE)
    if len(parts) != len(hrefs) + 1:
        raise RenderError("a link placeholder appeared in the rendered body", location="markdown")
    return {"meta": meta, "problems": problems, "anchors": anchors, "links": links, "toc": toc,
            "parts": parts, "hrefs": hrefs}


def _normalized(text: str) -> str:
    """markdown-it's input normalisation: LF line ends, NUL as U+FFFD."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\0", "\ufffd") if "\0" in text else text


def page_of(src: str, facts: Mapping[str, Any], key: str = "") -> Page:
    """A ``Page`` from ``parse_text`` facts: title fallback, date, template, located problems."""
    meta = dict(facts["meta"])
    problems = [Problem(code, detail, path=src, line=line) for code, detail, line in facts["problems"]]
    if not isinstance(meta.get("title"), str) or not meta.get("title"):
        problems.append(Problem("no-title", "front matter has no `title`", path=src, line=1))
        meta["title"] = posixpath.basename(src[:-3])
    date = ""
    if meta.get("date") not in (None, ""):
        try:
            date = _iso(meta["date"])
        except (ValueError, TypeError):
            problems.append(Problem("bad-date", f"date {meta['date']!r} is not ISO 8601", path=src, line=1))
    template = str(meta.get("template") or meta.get("kind") or "page")
    template = template if template.endswith(".html") else template + ".html"
    return Page(src=src, url=url_of(src), meta=meta, anchors=frozenset(facts["anchors"]),
                links=tuple((str(h), int(n)) for h, n in facts["links"]), problems=tuple(problems),
                template=template, toc=tuple(facts["toc"]), date=date,
                parts=tuple(facts["parts"]) if "parts" in facts else None,
                hrefs=tuple(facts["hrefs"]), key=key)


def parse_page(md: MarkdownIt, src: str, text: str) -> Page:
    """Phase 1 for one page: front matter, body, anchors, links, template name."""
    return page_of(src, parse_text(md, text))


def view(page: Page, body: str, root: str, config, site: dict[str, Any],
         pages: Mapping[str, Any]) -> dict[str, Any]:
    """The template context of one page: plain view data, never internal objects."""
    from markupsafe import Markup

    def url(path: str = "") -> str:
        return (root + path) or "./"

    def asset(path: str) -> str:
        return root + "assets/" + path.lstrip("/")

    nav = [{"title": title, "url": url(path), "current": page.url == path,
            "active": page.url == path if not path else page.url.startswith(path)}
           for title, src, path in NAV if src in pages]
    meta = page.meta
    cut = body.find("<h2")
    lead, rest = (body[:cut], body[cut:]) if cut >= 0 else (body, "")
    data = {"title": meta["title"], "content": Markup(body), "meta": meta, "url": page.url,
            "lead": Markup(lead), "body": Markup(rest),
            "kind": str(meta.get("kind") or "page"), "toc": list(page.toc),
            "draft": bool(meta.get("draft")), "date": page.date,
            "summary": str(meta.get("summary") or ""), "source": page.src}
    canonical = config.site_url + page.url if config.site_url and page.url != "404.html" else ""
    return {"page": data, "site": site, "nav": nav, "url": url, "asset": asset,
            "canonical": canonical, "has_about": "about.md" in pages}


# --- links ------------------------------------------------------------------------

def resolver(page_src: str, root: str, pages: Mapping[str, Any],
             find: Callable[[str, str], tuple | None]) -> Callable[[str], str]:
    """href → the relative (or, with an absolute ``root``, absolute) URL of its target."""
    def resolve(href: str) -> str:
        found = find(page_src, href)
        if found is None:
            return href
        path, src, frag, query = found
        if not path and src == page_src and not query:
            return "#" + quote(frag, safe="") if frag else href
        url = url_of(src) if src in pages else path
        out = root + quote(url, safe="/")
        out = out or "./"
        out += ("?" + query) if query else ""
        return out + ("#" + quote(frag, safe="")) if frag else out
    return resolve
