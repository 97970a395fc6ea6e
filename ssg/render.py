"""content/ → site/: the renderer (full and incremental passes, dependency map, writing).

The renderer reads content/ like any static site generator reads its docs
folder (see docs/ARCHITECTURE.md, "The content/ contract"); it never imports the
mail side.  Pages are parsed by ``ssg.pages`` (through the persistent cache of
``ssg.render_cache``); a build gathers everything (parse every page, resolve and
check every link, render every template), then writes: ``build`` renders into a
new sibling directory and swaps it in, so a failure never leaves a half site.

Every page output has a key (its text, template set, config, navigation and
resolved links): an output whose key did not change is not rendered again
(``update``) and is hard-linked from the old site (``build``); a ``build`` whose
inputs did not change at all stops before rendering anything.
``Renderer`` keeps what it parsed so the preview server can re-render only what
depends on a changed file (see ``Renderer.update``); the result is byte-equal
to a clean build.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ssg import feeds, render_cache, render_extras, render_output, render_update, render_workers
from ssg.config import output_key
from ssg.errors import Problem, RenderError
from ssg.theme import load_theme

FEED_LIMIT = render_extras.FEED_LIMIT
_NOT_YET = object()
_LAZY = {"make_markdown": "md_pipeline", "parse_page": "pages", "url_of": "pages", "output_of": "pages",
         "NAV": "pages", "NAV_SOURCES": "pages"}


def __getattr__(name: str) -> Any:
    """Page-level names re-exported from ``ssg.pages`` and ``ssg.md_pipeline``
    (imported on first use: a no-change build never needs them)."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f"ssg.{_LAZY[name]}"), name)
    raise AttributeError(name)


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
class _State:
    """Everything the renderer knows between passes."""

    pages: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    """Output path of every page → its output key."""
    html: dict[str, bytes] = field(default_factory=dict)
    """Pages rendered by this pass and not yet written."""
    reused: dict[str, Path] = field(default_factory=dict)
    """Pages of this pass to hard-link from the old site (same key)."""
    written: set[str] = field(default_factory=set)
    """Pages of this pass already written (by a worker process)."""
    page_problems: dict[str, tuple[Problem, ...]] = field(default_factory=dict)
    feed_html: dict[str, bytes] = field(default_factory=dict)
    """Feed entries' page bodies with absolute URLs, escaped as XML (``render_extras``)."""
    linkers: dict[str, set[str]] = field(default_factory=dict)
    """Link target (page or file) → the pages that link to it."""
    targets: dict[str, set[str]] = field(default_factory=dict)
    """Page → the targets it links to (the reverse of ``linkers``, to update it in place)."""
    lite: set[str] = field(default_factory=set)
    """Pages restored from a build's snapshot without links and toc (``full_page`` fills them in)."""
    extras: dict[str, bytes] = field(default_factory=dict)
    assets: dict[str, Path] = field(default_factory=dict)
    on_disk: dict[str, bytes | Path | str] = field(default_factory=dict)
    missing_404: bytes | None = None
    """The theme's 404 page when content has no 404.md."""


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

    A re-rendered page whose output key is unchanged is not written again.
    """

    def __init__(self, config, out_dir: Path, *, strict: bool = False,
                 log: Callable[[str], Any] = print, workers: int | None = None,
                 cache: bool = True, reuse: dict[str, str] | None = None,
                 reuse_dir: Path | None = None, env: Any = None, store: Any = None) -> None:
        from ssg import pages, pages_links
        self.pagelib, self.links = pages, pages_links
        self.config = config
        self.workers = workers
        self.out_dir = Path(out_dir)
        self.strict = strict or config.strict
        self.log = log
        self.docs = config.path(config.docs_dir).resolve()
        root = config.path(config.cache_dir) / "render" if cache else None
        self.store = store if store is not None and cache and store.docs == self.docs \
            else render_cache.PageStore(root, self.docs)  # (``store``: one that parsed pages ahead)
        self.cache = self.store.cache
        self.reuse, self.reuse_dir = (reuse or {}), reuse_dir
        self._feed_srcs: set[str] = set()
        self.stream = False
        """out_dir is a new directory this one pass fills (``build``): each page is written as it
        is rendered, and nothing found there can be stale."""
        self.stage: Path | None = None
        """Stage the writes there and commit them as one batch (``build`` updating site/ in place)."""
        self._load_theme(env)
        self.state = _State()
        self._touched: set[str] = set()

    def _load_theme(self, env: Any = None) -> None:
        """The theme, and its Jinja environment (``env``: one made for this config's theme)."""
        self.theme = load_theme(self.config)
        self.env = env if env is not None else self.theme.environment()
        self.templates: dict[str, Any] = {}
        self._targets: dict[tuple[str, str], Any] = {}
        self._fixed = ""

    # -- passes ------------------------------------------------------------------

    def full(self) -> BuildReport:
        """Scan, parse and render everything, then sync out_dir (stale files removed)."""
        start = time.perf_counter()
        self._load_theme()
        self.state = _State()
        pages, files = self._scan()
        self.state.files = files
        self.state.assets = self.theme.assets()
        store = self.store
        store.memo, store.texts = {}, {}
        # keys only: holding every text (tens of MB, up to 4 bytes a character) would be
        # copied into each worker; they read their pages again (from the page cache)
        keys = {src: render_cache.text_key(store.read(src, path)) for src, path in pages.items()}
        fresh, rest, seen = [], [], self.cache.known(set(keys.values()))  # pages to parse (first of
        for src in sorted(pages):  # each text not in the cache), the rest
            (fresh if keys[src] not in seen else rest).append(src)
            seen.add(keys[src])
        workers = self._workers(len(fresh))
        if workers > 1:  # spread the parsing evenly, then the rest
            render_workers.run_workers(self, [fresh[i::workers] + rest[i::workers] for i in range(workers)])
        else:
            for src, path in pages.items():
                page = self.state.pages[src] = self.store.parse(src, path)
                if self.cache.root is not None:
                    page.parts = None  # the body waits in the cache (memory stays flat)
            self._relink(set(self.state.pages))
            self._feed_srcs, made = render_extras.in_feed(self), set()
            for src in sorted(self.state.pages):
                self._render(src)
                if self.stream:
                    render_output.flush(self, made)
        store.texts = {}
        render_extras.missing_404(self)
        render_extras.make(self)
        if not self.config.site_url:
            self.log("note: site_url is not set, so feed.xml, sitemap.xml and canonical links are left out")
        self.cache.prune({p.key for p in self.state.pages.values()})
        return self._finish(start, len(self.state.outputs), full=True)

    def update(self, changed: set[Path]) -> BuildReport:
        """Re-render only what depends on ``changed`` (absolute or cwd-relative paths)."""
        return render_update.update(self, changed)

    def _workers(self, pages: int) -> int:
        """Processes for a full pass: ``workers`` if given, else 2 for big sites where fork exists."""
        if self.workers is not None:
            wanted = self.workers
        else:
            wanted = min(2, os.cpu_count() or 1) if pages >= render_workers.PARALLEL_MIN else 1
        import multiprocessing  # here: a build with nothing to render never needs it
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

    # -- phase 2: links --------------------------------------------------------------

    def _target(self, src: str, href: str):
        """Memoised ``pages_links.target`` (the answer depends on the page's directory, not its name)."""
        if not href or href[0] in "#?":
            return self.links.target(src, href, self.state.pages)
        memo = (src[:src.rfind("/") + 1], href)
        found = self._targets.get(memo, _NOT_YET)
        if found is _NOT_YET:
            if len(self._targets) >= self.links.TARGETS_MEMO:
                self._targets.clear()  # bounded: the hot targets (people, domains) come back at once
            found = self._targets[memo] = self.links.target(src, href, self.state.pages)
        return found

    def _unlink(self, src: str) -> None:
        for key in self.state.targets.pop(src, ()):
            users = self.state.linkers.get(key)
            if users is not None:
                users.discard(src)
                if not users:
                    del self.state.linkers[key]

    def _relink(self, srcs: set[str]) -> None:
        """Record which page links to which target (reverse map for update)."""
        for src in srcs:
            self._unlink(src)
        pages = {src: self.full_page(src) for src in srcs if src in self.state.pages}
        for src, keys in self.links.link_targets(pages, self.state.pages, self._targets).items():
            self.state.targets[src] = keys
            for key in keys:
                self.state.linkers.setdefault(key, set()).add(src)

    def _exists(self, path: str) -> bool:
        return path in self.state.files or path in self.state.assets \
            or (path in ("feed.xml", "sitemap.xml") and bool(self.config.site_url))

    def _resolver(self, page_src: str, root: str) -> Callable[[str], str]:
        return self.pagelib.resolver(page_src, root, self.state.pages, self._target)

    # -- phase 2: templates ----------------------------------------------------------

    def _template(self, name: str):
        import jinja2
        if name not in self.templates:
            try:
                self.templates[name] = self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                raise self.theme.template_error(exc, name) from None
        return self.templates[name]

    def _site(self) -> dict[str, Any]:
        c = self.config
        return {"name": c.site_name, "url": c.site_url, "description": c.site_description,
                "base_path": c.base_path, "author": c.site_author, "copyright": c.copyright,
                "build_date": feeds.source_date(), "has_feed": bool(c.site_url)}

    def _root(self, url: str) -> str:
        if url == "404.html" and self.config.site_url:
            return self.config.base_path
        return self.pagelib.root_of(url)

    def _context(self, page, body: str, root: str) -> dict[str, Any]:
        return self.pagelib.view(page, body, root, self.config, self._site(), self.state.pages)

    def _fixed_key(self) -> str:
        """What every page's output depends on besides its own text and links."""
        if not self._fixed:
            present = sorted(src for src in self.pagelib.NAV_SOURCES if src in self.state.pages)
            self._fixed = render_cache.digest(render_cache.engine(), self.theme.fingerprint(),
                                              output_key(self.config), repr(self._site()), *present)
        return self._fixed

    def full_page(self, src: str):
        """A page with all its facts (a snapshot keeps only what other pages need of it)."""
        if src in self.state.lite:
            self.state.pages[src] = self.store.parse(src, self.docs / src)
            self.state.lite.discard(src)
        return self.state.pages[src]

    def _render(self, src: str) -> None:
        page = self.full_page(src)
        problems = list(page.problems) + self.links.check(page, self.state.pages, self._exists, self._target)
        self.state.page_problems[src] = tuple(problems)
        self.state.feed_html.pop(src, None)  # rendered again, lazily, if it is among the feed's entries
        name = page.template
        if self.theme.template_file(name) is None and not name.startswith(("default/", "theme/")):
            problems.append(Problem("unknown-template", f"no template {name}; using page.html", path=src, line=1))
            self.state.page_problems[src] = tuple(problems)
            name = "page.html"
        root = self._root(page.url)
        resolve = self._resolver(src, root)
        resolved = [resolve(h) for h in page.hrefs]
        key = render_cache.digest(self._fixed_key(), page.key, src, name, *resolved)
        rel = self.pagelib.output_of(page.url)
        self.state.outputs[rel] = key
        if self.state.on_disk.get(rel) == key:
            return  # unchanged since the last pass
        if self.reuse.get(rel) == key and self.reuse_dir is not None:
            self.state.reused[rel] = self.reuse_dir / rel
            return
        filled = iter(resolved)
        body = page.body(lambda _href: next(filled), self.store.parts(page))
        if src not in self._feed_srcs:
            page.parts = None  # memory stays flat: the body is in the cache (or parsed again) if needed
        import jinja2
        try:
            html = self._template(name).render(self._context(page, body, root))
        except jinja2.TemplateError as exc:
            raise self.theme.template_error(exc, src) from None
        self.state.html[rel] = html.encode("utf-8")

    # -- writing -----------------------------------------------------------------

    def problems(self) -> tuple[Problem, ...]:
        """Every current problem, sorted by path, line and code."""
        every = [p for probs in self.state.page_problems.values() for p in probs]
        return tuple(sorted(every, key=lambda p: (p.path, p.line, p.code, p.detail)))

    def _finish(self, start: float, rendered: int, *, full: bool) -> BuildReport:
        self.cache.flush()
        problems = self.problems()
        if self.strict and problems:
            lines = "\n".join(f"  {p}" for p in problems[:20])
            raise RenderError(f"{len(problems)} problem(s) under --strict:\n{lines}", location=str(self.docs))
        wanted: dict[str, bytes | Path | str] = {}
        wanted.update(self.state.assets)
        wanted.update(self.state.files)
        wanted.update(self.state.outputs)
        wanted.update(self.state.extras)
        changed, copied = render_output.sync(self, wanted, full=full)
        seconds = time.perf_counter() - start
        return BuildReport(pages=rendered, copied=copied, problems=problems, seconds=seconds,
                           changed=tuple(changed))


def render_site(config, out_dir: Path, *, strict: bool = False,
                log: Callable[[str], Any] = print, cache: bool = False) -> BuildReport:
    """Full build of ``config.docs_dir`` into ``out_dir`` (the persistent cache only if asked)."""
    return Renderer(config, out_dir, strict=strict, log=log, cache=cache).full()


def build(config, *, strict: bool = False, log: Callable[[str], Any] = print,
          known: render_output.Ahead | None = None) -> BuildReport:
    """``ssg build``'s render half: a new sibling directory, atomically swapped in for site_dir.

    Unchanged pages are hard-linked from the old site; when nothing at all changed
    since the last build (same manifest signature, outputs in place) nothing is written.
    ``known``: the last build's manifest and state, read by ``render_output.ahead``.
    """
    def renderer(out: Path, reuse: dict[str, str], site: Path) -> Renderer:
        return Renderer(config, out, strict=strict, log=log, reuse=reuse, reuse_dir=site,
                        env=known.env if known else None, store=known.store if known else None)
    return render_output.build(config, renderer, strict=strict, log=log, report=BuildReport, known=known)
