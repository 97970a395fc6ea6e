"""content/ → site/: markdown-it-py + Pygments + Jinja2, with an incremental renderer.

The renderer reads content/ like any static site generator reads its docs
folder (see docs/ARCHITECTURE.md, "The content/ contract"); it never imports the
mail side.  A build gathers everything in memory (parse every page, resolve and
check every link, render every template), then writes: ``build`` renders into a
new sibling directory and swaps it in, so a failure never leaves a half site.

``Renderer`` keeps what it parsed so the preview server can re-render only what
depends on a changed file (see ``Renderer.update`` for the dependency map); the
result is byte-equal to a clean build.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import posixpath
import re
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, unquote, urlsplit

import jinja2
import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markupsafe import Markup
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer

from ssg import feeds
from ssg.errors import Problem, RenderError
from ssg.lexers import DiffstatLexer
from ssg.theme import Theme, load_theme

NAV = (("Home", "index.md", ""), ("Digests", "digests/index.md", "digests/"),
       ("Authors", "authors/index.md", "authors/"), ("Domains", "domains/index.md", "domains/"))
"""Navigation entries: label, the page that must exist, its URL path."""
FEED_LIMIT = 30
"""Newest entries in feed.xml (a weekly digest: over half a year)."""
PARALLEL_MIN = 400
"""Sites with at least this many pages render their full pass in two processes."""
NAV_SOURCES = frozenset(src for _, src, _ in NAV) | {"about.md"}
"""Pages whose existence changes every page (nav, footer)."""
_HEADING_ID = re.compile(r"^(.*?)[ \t]*\{#([A-Za-z0-9_][\w:.-]*)\}[ \t]*$", re.S)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_LANG = re.compile(r"[^a-z0-9_+-]")
_FORMATTER = HtmlFormatter(nowrap=True)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (same results, faster)."""
_LEXERS = {"diffstat": DiffstatLexer(), "diff": DiffLexer(), "patch": DiffLexer()}


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What one render pass did."""

    pages: int
    """HTML pages rendered (written or re-rendered)."""
    copied: int
    """Static files copied (content files and theme assets)."""
    problems: tuple[Problem, ...]
    """Every current problem of the site, sorted by path and line."""
    seconds: float
    """Wall time of the pass."""
    changed: tuple[str, ...] = ()
    """Site-relative paths written or removed by this pass (for live reload)."""


@dataclass(slots=True)
class _Page:
    """One parsed content page (mutable working state of the renderer, never exported)."""

    src: str
    url: str
    meta: dict[str, Any]
    tokens: list | None
    anchors: frozenset[str]
    links: tuple[tuple[str, int], ...]
    problems: tuple[Problem, ...]
    template: str
    toc: tuple[dict[str, Any], ...] = ()
    date: str = ""


# --- Markdown -------------------------------------------------------------------

def _validate_link(url: str) -> bool:
    """markdown-it's check (no javascript:, vbscript:, file:) and no data: at all."""
    probe = url.strip().lower()
    return not probe.startswith(("javascript:", "vbscript:", "file:", "data:"))


def _heading_ids(state) -> None:
    """``## Title {#id}`` → ``<h2 id="id">Title</h2>`` (runs before inline parsing)."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            m = _HEADING_ID.match(tokens[i + 1].content)
            if m:
                tokens[i + 1].content = m.group(1)
                token.attrSet("id", m.group(2))


def _fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    info = unescapeAll(token.info).strip().split(maxsplit=1)
    lang = _LANG.sub("", info[0].lower()) if info else ""
    lexer = _LEXERS.get(lang)
    cls = f' class="highlight lang-{lang}"' if lexer else (f' class="lang-{lang}"' if lang else "")
    body = highlight(token.content, lexer, _FORMATTER) if lexer else escapeHtml(token.content)
    return f"<pre{cls}><code>{body}</code></pre>\n"


def _with_resolved(attr: str, default):
    def rule(self, tokens, idx, options, env):
        token = tokens[idx]
        resolve = env.get("resolve") if env else None
        orig = token.attrGet(attr)
        if resolve is None or orig is None:
            return default(self, tokens, idx, options, env)
        token.attrSet(attr, resolve(str(orig)))
        try:
            return default(self, tokens, idx, options, env)
        finally:
            token.attrSet(attr, orig)
    return rule


def make_markdown() -> MarkdownIt:
    """The one Markdown pipeline: CommonMark + tables, front matter, attrs, anchors, our fences."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(front_matter_plugin).use(attrs_plugin, allowed=("id", "class"))
    md.use(anchors_plugin, min_level=1, max_level=6)
    md.core.ruler.after("block", "heading_ids", _heading_ids)
    md.validateLink = _validate_link
    md.add_render_rule("fence", _fence)
    md.add_render_rule("link_open", _with_resolved("href", lambda s, t, i, o, e: s.renderToken(t, i, o, e)))
    image_default = md.renderer.rules["image"]
    md.add_render_rule("image", _with_resolved("src", lambda s, t, i, o, e: image_default(t, i, o, e)))
    return md


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


def _root_of(url: str) -> str:
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


def _front_matter(src: str, tokens: list) -> tuple[dict[str, Any], list[Problem]]:
    if not tokens or tokens[0].type != "front_matter":
        return {}, [Problem("no-front-matter", "page has no YAML front matter", path=src, line=1)]
    try:
        meta = yaml.load(tokens[0].content, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        why = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return {}, [Problem("front-matter", f"invalid YAML front matter: {why}", path=src, line=line)]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return {}, [Problem("front-matter", "front matter is not a mapping", path=src, line=2)]
    return _plain(meta), []


def _collect(tokens: list) -> tuple[frozenset[str], tuple, tuple]:
    """Anchors (every id), links (href, line) and the table of contents of a token stream."""
    anchors: set[str] = set()
    links: list[tuple[str, int]] = []
    toc: list[dict[str, Any]] = []
    for i, token in enumerate(tokens):
        if token.attrs.get("id"):
            anchors.add(str(token.attrs["id"]))
        if token.type == "heading_open" and token.attrs.get("id") and token.tag in ("h2", "h3"):
            text = "".join(c.content for c in tokens[i + 1].children or () if c.type in ("text", "code_inline"))
            toc.append({"level": int(token.tag[1]), "id": str(token.attrs["id"]), "title": text})
        if token.type == "inline":
            line = token.map[0] + 1 if token.map else 0
            for child in token.children or ():
                if child.attrs.get("id"):
                    anchors.add(str(child.attrs["id"]))
                href = child.attrs.get("href") if child.type == "link_open" else (
                    child.attrs.get("src") if child.type == "image" else None)
                if href is not None:
                    links.append((str(href), line))
    return frozenset(anchors), tuple(links), tuple(toc)


def parse_page(md: MarkdownIt, src: str, text: str) -> _Page:
    """Phase 1 for one page: front matter, tokens, anchors, links, template name."""
    tokens = md.parse(text)
    meta, problems = _front_matter(src, tokens)
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
    anchors, links, toc = _collect(tokens)
    return _Page(src=src, url=url_of(src), meta=meta, tokens=tokens, anchors=anchors, links=links,
                 problems=tuple(problems), template=template, toc=toc, date=date)


# --- the renderer ---------------------------------------------------------------

def _template_error(exc: Exception, theme: Theme, page: str) -> RenderError:
    """A Jinja error as a RenderError located at the template file and line."""
    where = ""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f"{exc.filename or exc.name}:{exc.lineno}"
    else:
        dirs = tuple(str(d) for d in theme.dirs)
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.startswith(dirs):
                where = f"{frame.filename}:{frame.lineno}"
                break
    return RenderError(f"template error while rendering {page}: {exc}", location=where or page)


@dataclass(slots=True)
class _State:
    """Everything the renderer knows between passes."""

    pages: dict[str, _Page] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    html: dict[str, bytes] = field(default_factory=dict)
    page_problems: dict[str, tuple[Problem, ...]] = field(default_factory=dict)
    feed_html: dict[str, str] = field(default_factory=dict)
    linkers: dict[str, set[str]] = field(default_factory=dict)
    extras: dict[str, bytes] = field(default_factory=dict)
    assets: dict[str, Path] = field(default_factory=dict)
    on_disk: dict[str, bytes | Path] = field(default_factory=dict)


class Renderer:
    """Renders ``config.docs_dir`` into ``out_dir``; ``full()`` once, then ``update(changed)``.

    Dependency map used by ``update``:

    - a content page → its own HTML, every page that links to it (link checks),
      the feed and the sitemap; adding or removing a navigation page (``index.md``,
      ``digests/index.md``, ``authors/index.md``, ``domains/index.md``, ``about.md``)
      → every page;
    - another content file → its copy and the pages that link to it;
    - a page template → the pages rendered with it; ``base.html`` or any other
      template (partials, ``default/…``) → every page; a theme asset → its copy;
    - the config file, or anything unrecognised under docs_dir → a full pass.
    """

    def __init__(self, config, out_dir: Path, *, strict: bool = False,
                 log: Callable[[str], Any] = print, workers: int | None = None) -> None:
        self.config = config
        self.workers = workers
        self.out_dir = Path(out_dir)
        self.strict = strict or config.strict
        self.log = log
        self.docs = config.path(config.docs_dir).resolve()
        self.md = make_markdown()
        self.theme = load_theme(config)
        self.env = self.theme.environment()
        self.templates: dict[str, jinja2.Template] = {}
        self.state = _State()
        self._touched: set[str] = set()

    # -- passes ------------------------------------------------------------------

    def full(self) -> BuildReport:
        """Scan, parse and render everything, then sync out_dir (stale files removed)."""
        start = time.perf_counter()
        self.theme = load_theme(self.config)
        self.env = self.theme.environment()
        self.templates = {}
        self.state = _State()
        pages, files = self._scan()
        self.state.files = files
        self.state.assets = self.theme.assets()
        workers = self._workers(len(pages))
        if workers > 1:
            _parallel(self, sorted(pages), workers)
        else:
            for src, path in pages.items():
                self.state.pages[src] = self._parse(src, path)
            self._relink(set(self.state.pages))
            for src in sorted(self.state.pages):
                self._render(src)
        self._render_missing_404()
        self._render_extras()
        if not self.config.site_url:
            self.log("note: site_url is not set, so feed.xml, sitemap.xml and canonical links are left out")
        return self._finish(start, len(self.state.html), full=True)

    def update(self, changed: set[Path]) -> BuildReport:
        """Re-render only what depends on ``changed`` (absolute or cwd-relative paths)."""
        start = time.perf_counter()
        if not self.state.pages and not self.state.html:
            return self.full()
        dirty: set[str] = set()
        everything = False
        config_file = Path(self.config.config_file).resolve() if self.config.config_file else None
        custom = self.config.path(self.config.theme.custom_dir or ".ssg-no-overrides").resolve()
        for raw in sorted(Path(p).resolve() for p in changed):
            if raw == config_file or (raw.is_relative_to(custom) and custom not in self.theme.dirs):
                return self.full()  # a new override directory changes the whole chain
            if raw == self.docs or self.docs in raw.parents:
                rel = raw.relative_to(self.docs).as_posix()
                if any(part.startswith(".") for part in rel.split("/")):
                    continue
                gone_dir = not raw.exists() and any(k.startswith(rel + "/") for k in (*self.state.pages, *self.state.files))
                if raw.is_dir() or gone_dir:
                    return self.full()
                if rel.endswith(".md"):
                    existed = rel in self.state.pages
                    self._reparse(rel, raw)
                    everything |= rel in NAV_SOURCES and existed != (rel in self.state.pages)
                else:
                    self._refile(rel, raw)
                dirty |= {rel} | self.state.linkers.get(rel, set())
                self._touched.add(rel)
            elif self.theme.owns(raw):
                if self.theme.is_template(raw):
                    name = self.theme.template_name(raw)
                    self.env = self.theme.environment()
                    self.templates = {}
                    users = {p.src for p in self.state.pages.values() if p.template == name}
                    everything |= name == "base.html" or not users
                    dirty |= users
                else:
                    self.state.assets = self.theme.assets()
                    self._touched |= set(self.state.assets)
        if everything:
            dirty = set(self.state.pages)
        dirty &= set(self.state.pages)
        self._relink(dirty)
        for src in sorted(dirty):
            self._render(src)
        self._render_missing_404()
        self._render_extras()
        return self._finish(start, len(dirty), full=False)

    def _workers(self, pages: int) -> int:
        """Processes for a full pass: ``workers`` if given, else 2 for big sites where fork exists."""
        if self.workers is not None:
            wanted = self.workers
        else:
            wanted = min(2, os.cpu_count() or 1) if pages >= PARALLEL_MIN else 1
        return wanted if wanted > 1 and "fork" in multiprocessing.get_all_start_methods() else 1

    # -- phase 1: sources ------------------------------------------------------------

    def _scan(self) -> tuple[dict[str, Path], dict[str, Path]]:
        pages: dict[str, Path] = {}
        files: dict[str, Path] = {}
        if not self.docs.is_dir():
            raise RenderError("content directory not found", location=str(self.docs))
        for dirpath, dirnames, filenames in os.walk(self.docs):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = Path(dirpath) / name
                rel = path.relative_to(self.docs).as_posix()
                (pages if name.endswith(".md") else files)[rel] = path
        return pages, files

    def _parse(self, src: str, path: Path) -> _Page:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise RenderError(f"not UTF-8: {exc.reason}", location=src) from None
        return parse_page(self.md, src, text)

    def _reparse(self, rel: str, path: Path) -> None:
        if path.is_file():
            self.state.pages[rel] = self._parse(rel, path)
        else:
            page = self.state.pages.pop(rel, None)
            if page is not None:
                self.state.html.pop(output_of(page.url), None)
                self.state.page_problems.pop(rel, None)
                self.state.feed_html.pop(rel, None)
                for users in self.state.linkers.values():
                    users.discard(rel)

    def _refile(self, rel: str, path: Path) -> None:
        if path.is_file():
            self.state.files[rel] = path
        else:
            self.state.files.pop(rel, None)

    # -- phase 2: links --------------------------------------------------------------

    def _target(self, src: str, href: str) -> tuple[str, str, str, str] | None:
        """Internal link → (site path, target source or "", fragment, query); None if external."""
        if not href or _SCHEME.match(href) or href.startswith(("//", "/")):
            return None
        parts = urlsplit(href)
        path, frag = unquote(parts.path), unquote(parts.fragment)
        if not path:
            return "", src, frag, parts.query
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
        if path.endswith("/") and joined != ".":
            joined += "/"
        if joined in (".", "./"):
            joined = ""
        if joined.endswith(".md"):
            return joined, joined, frag, parts.query
        index = (joined + "index.md") if (joined == "" or joined.endswith("/")) else ""
        if index:
            return joined, index, frag, parts.query
        if joined + "/index.md" in self.state.pages:
            return joined + "/", joined + "/index.md", frag, parts.query
        return joined, "", frag, parts.query

    def _relink(self, srcs: set[str]) -> None:
        """Record which page links to which target (reverse map for update)."""
        for src in srcs:
            for users in self.state.linkers.values():
                users.discard(src)
        for src in srcs:
            page = self.state.pages.get(src)
            for href, _ in page.links if page else ():
                target = self._target(src, href)
                if target is not None:
                    key = target[1] or target[0]
                    self.state.linkers.setdefault(key, set()).add(src)

    def _check(self, page: _Page) -> list[Problem]:
        problems = []
        for href, line in page.links:
            target = self._target(page.src, href)
            if target is None:
                continue
            path, src, frag, _ = target
            if path.startswith("../") or path == "..":
                problems.append(Problem("broken-link", f"{href} points outside the content", path=page.src, line=line))
            elif src and src not in self.state.pages:
                problems.append(Problem("broken-link", f"{href}: no page {src}", path=page.src, line=line))
            elif not src and path not in self.state.files and path not in self.state.assets \
                    and not (path in ("feed.xml", "sitemap.xml") and self.config.site_url):
                problems.append(Problem("broken-link", f"{href}: no file {path}", path=page.src, line=line))
            elif src and frag and frag not in self.state.pages[src].anchors:
                problems.append(Problem("broken-anchor", f"{href}: no anchor #{frag} in {src}", path=page.src, line=line))
        return problems

    def _resolver(self, page_src: str, root: str) -> Callable[[str], str]:
        def resolve(href: str) -> str:
            target = self._target(page_src, href)
            if target is None:
                return href
            path, src, frag, query = target
            if not path and src == page_src and not query:
                return "#" + quote(frag, safe="") if frag else href
            url = url_of(src) if src in self.state.pages else path
            out = root + quote(url, safe="/")
            out = out or "./"
            out += ("?" + query) if query else ""
            return out + ("#" + quote(frag, safe="")) if frag else out
        return resolve

    # -- phase 2: templates ----------------------------------------------------------

    def _template(self, name: str) -> jinja2.Template:
        if name not in self.templates:
            try:
                self.templates[name] = self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                raise _template_error(exc, self.theme, name) from None
        return self.templates[name]

    def _site(self) -> dict[str, Any]:
        c = self.config
        return {"name": c.site_name, "url": c.site_url, "description": c.site_description,
                "base_path": c.base_path, "author": c.site_author, "copyright": c.copyright,
                "build_date": feeds.source_date(), "has_feed": bool(c.site_url)}

    def _root(self, url: str) -> str:
        if url == "404.html" and self.config.site_url:
            return self.config.base_path
        return _root_of(url)

    def _context(self, page: _Page, body: str, root: str) -> dict[str, Any]:
        def url(path: str = "") -> str:
            return (root + path) or "./"

        def asset(path: str) -> str:
            return root + "assets/" + path.lstrip("/")

        nav = [{"title": title, "url": url(path), "current": page.url == path,
                "active": page.url == path if not path else page.url.startswith(path)}
               for title, src, path in NAV if src in self.state.pages]
        meta = page.meta
        cut = body.find("<h2")
        lead, rest = (body[:cut], body[cut:]) if cut >= 0 else (body, "")
        view = {"title": meta["title"], "content": Markup(body), "meta": meta, "url": page.url,
                "lead": Markup(lead), "body": Markup(rest),
                "kind": str(meta.get("kind") or "page"), "toc": list(page.toc),
                "draft": bool(meta.get("draft")), "date": page.date,
                "summary": str(meta.get("summary") or ""), "source": page.src}
        canonical = self.config.site_url + page.url if self.config.site_url and page.url != "404.html" else ""
        return {"page": view, "site": self._site(), "nav": nav, "url": url, "asset": asset,
                "canonical": canonical, "has_about": "about.md" in self.state.pages}

    def _render(self, src: str) -> None:
        page = self.state.pages[src]
        if page.tokens is None:  # parsed in a worker process: parse again here
            page = self.state.pages[src] = self._parse(src, self.docs / src)
        problems = list(page.problems) + self._check(page)
        name = page.template
        if self.theme.template_file(name) is None and not name.startswith(("default/", "theme/")):
            problems.append(Problem("unknown-template", f"no template {name}; using page.html", path=src, line=1))
            name = "page.html"
        root = self._root(page.url)
        body = self.md.renderer.render(page.tokens, self.md.options, {"resolve": self._resolver(src, root)})
        try:
            html = self._template(name).render(self._context(page, body, root))
        except jinja2.TemplateError as exc:
            raise _template_error(exc, self.theme, src) from None
        self.state.html[output_of(page.url)] = html.encode("utf-8")
        self.state.page_problems[src] = tuple(problems)
        self.state.feed_html.pop(src, None)  # rendered again, lazily, if it is among the feed's entries

    def _render_missing_404(self) -> None:
        """GitHub Pages wants a 404.html: render the 404 template when content has none."""
        if "404.md" in self.state.pages:
            return
        page = _Page(src="404.md", url="404.html", meta={"title": "Page not found", "kind": "404"},
                     tokens=[], anchors=frozenset(), links=(), problems=(), template="404.html")
        root = self._root(page.url)
        body = ("<h1>Page not found</h1>\n<p>There is no page at this address. "
                f'Try the <a href="{escapeHtml(root or "./")}">home page</a>.</p>\n')
        try:
            html = self._template("404.html").render(self._context(page, body, root))
        except jinja2.TemplateError as exc:
            raise _template_error(exc, self.theme, "404.html") from None
        self.state.html["404.html"] = html.encode("utf-8")

    def _render_extras(self) -> None:
        c = self.config
        extras = {".nojekyll": b""}
        if c.cname:
            extras["CNAME"] = (c.cname.strip() + "\n").encode()
        if c.site_url:
            public = [p for p in self.state.pages.values() if not p.meta.get("draft") and p.src != "404.md"]
            extras["sitemap.xml"] = feeds.sitemap(
                [feeds.SitemapEntry(c.site_url + p.url, p.date) for p in public]).encode()
            fallback = feeds.source_date() or feeds.EPOCH_ZERO
            entries = [feeds.FeedEntry(url=c.site_url + p.url, title=p.meta["title"],
                                       updated=p.date or fallback, summary=str(p.meta.get("summary") or ""))
                       for p in public if p.meta.get("feed")]
            entries = feeds.sorted_entries(entries)[:FEED_LIMIT]
            by_url = {c.site_url + p.url: p.src for p in public}
            entries = [replace(e, content_html=self._feed_html(by_url[e.url])) for e in entries]
            info = feeds.FeedInfo(title=c.site_name, site_url=c.site_url, feed_url=c.site_url + "feed.xml",
                                  author=c.site_author or c.site_name, subtitle=c.site_description)
            extras["feed.xml"] = feeds.atom_feed(info, entries, fallback_updated=feeds.source_date()).encode()
        self.state.extras = extras

    def _feed_html(self, src: str) -> str:
        """A page body with absolute URLs (feed readers have no base), cached until it changes."""
        if src not in self.state.feed_html:
            page = self.state.pages[src]
            if page.tokens is None:
                page = self.state.pages[src] = self._parse(src, self.docs / src)
            env = {"resolve": self._resolver(src, self.config.site_url)}
            self.state.feed_html[src] = self.md.renderer.render(page.tokens, self.md.options, env)
        return self.state.feed_html[src]

    # -- writing -----------------------------------------------------------------

    def problems(self) -> tuple[Problem, ...]:
        """Every current problem, sorted by path, line and code."""
        every = [p for probs in self.state.page_problems.values() for p in probs]
        return tuple(sorted(every, key=lambda p: (p.path, p.line, p.code, p.detail)))

    def _finish(self, start: float, rendered: int, *, full: bool) -> BuildReport:
        problems = self.problems()
        if self.strict and problems:
            lines = "\n".join(f"  {p}" for p in problems[:20])
            raise RenderError(f"{len(problems)} problem(s) under --strict:\n{lines}", location=str(self.docs))
        wanted: dict[str, bytes | Path] = {}
        wanted.update(self.state.assets)
        wanted.update(self.state.files)
        wanted.update(self.state.html)
        wanted.update(self.state.extras)
        changed, copied = self._sync(wanted, full=full)
        seconds = time.perf_counter() - start
        return BuildReport(pages=rendered, copied=copied, problems=problems, seconds=seconds,
                           changed=tuple(changed))

    def _sync(self, wanted: dict[str, bytes | Path], *, full: bool) -> tuple[list[str], int]:
        out = self.out_dir
        out.mkdir(parents=True, exist_ok=True)
        changed: list[str] = []
        stale = set(self.state.on_disk) - set(wanted)
        if full:
            stale |= {f.relative_to(out).as_posix() for f in out.rglob("*") if f.is_file()} - set(wanted)
        for rel in sorted(stale):
            (out / rel).unlink(missing_ok=True)
            changed.append(rel)
            for parent in (out / rel).parents:  # prune directories left empty
                if parent == out or not parent.is_dir() or any(parent.iterdir()):
                    break
                parent.rmdir()
        made: set[Path] = set()
        copied = 0
        for rel, data in wanted.items():
            if not full and self.state.on_disk.get(rel) == data and rel not in self._touched:
                continue
            target = out / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if isinstance(data, Path):
                shutil.copyfile(data, target)
                copied += 1
            else:
                target.write_bytes(data)
            changed.append(rel)
        self.state.on_disk = dict(wanted)
        self._touched = set()
        return sorted(changed), copied


def _child(renderer: Renderer, conn, chunk: list[str]) -> None:
    """Worker process (forked): parse a share of the pages, then render it against the full index."""
    try:
        mine = {src: renderer._parse(src, renderer.docs / src) for src in chunk}
        conn.send(("light", {src: replace(page, tokens=None) for src, page in mine.items()}))
        pages = conn.recv()
        renderer.state.pages = {**pages, **mine}
        for src in chunk:
            renderer._render(src)
        st = renderer.state
        conn.send(("done", (st.html, st.page_problems)))
    except BaseException as exc:  # report, never hang the parent
        conn.send(("error", (exc.message, exc.location) if isinstance(exc, RenderError) else (repr(exc), "")))
    finally:
        conn.close()


def _receive(conn, expected: str):
    kind, payload = conn.recv()
    if kind == "error":
        raise RenderError(payload[0], location=payload[1])
    assert kind == expected, kind
    return payload


def _parallel(renderer: Renderer, srcs: list[str], workers: int) -> None:
    """Full pass in ``workers`` forked processes; output identical to the serial pass."""
    ctx = multiprocessing.get_context("fork")
    links = []
    for i in range(workers):
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(target=_child, args=(renderer, theirs, srcs[i::workers]), daemon=True)
        proc.start()
        theirs.close()
        links.append((mine, proc))
    try:
        for conn, _ in links:
            renderer.state.pages.update(_receive(conn, "light"))
        renderer.state.pages = dict(sorted(renderer.state.pages.items()))
        renderer._relink(set(renderer.state.pages))
        for conn, _ in links:
            conn.send(renderer.state.pages)
        for conn, _ in links:
            html, problems = _receive(conn, "done")
            renderer.state.html.update(html)
            renderer.state.page_problems.update(problems)
    finally:
        for conn, proc in links:
            conn.close()
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join()
    renderer.state.html = dict(sorted(renderer.state.html.items()))


def render_site(config, out_dir: Path, *, strict: bool = False,
                log: Callable[[str], Any] = print) -> BuildReport:
    """Full build of ``config.docs_dir`` into ``out_dir``."""
    return Renderer(config, out_dir, strict=strict, log=log).full()


def build(config, *, strict: bool = False, log: Callable[[str], Any] = print) -> BuildReport:
    """``ssg build``'s render half: a new sibling directory, atomically swapped in for site_dir."""
    site = config.path(config.site_dir).resolve()
    site.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site.name}.new-", dir=site.parent))
    try:
        report = render_site(config, fresh, strict=strict, log=log)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    fresh.chmod(0o755)
    old = site.parent / f".{site.name}.old-{os.getpid()}"
    if site.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.rename(site, old)
    os.rename(fresh, site)
    shutil.rmtree(old, ignore_errors=True)
    return report
