"""The incremental pass of a ``render.Renderer``: what depends on the changed files (``Renderer.update``).

Functions of a ``render.Renderer``, as ``render_output``'s are.  ``update`` re-parses
the changed pages and files, follows the dependency map (see ``render.Renderer``) to
the pages to render again, and syncs out_dir; many changed pages not in the render
cache are first parsed into it in two processes (``_warm``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from ssg import render_cache, render_extras, render_workers

if TYPE_CHECKING:
    from ssg.render import BuildReport

WARM_MIN = 400
"""An update with at least this many changed pages not parsed yet parses them in two
processes first.  Forking the renderer, whose state is read already, costs about what
parsing a few hundred pages does: on the real archive, 146 pages a 300-message run
left unparsed took 150 ms in two processes and ~90 ms in this one."""


def update(renderer, changed: set[Path]) -> BuildReport:
    """``Renderer.update``: re-render only what depends on ``changed`` (absolute or cwd-relative paths)."""
    start = time.perf_counter()
    if not renderer.state.pages and not renderer.state.outputs:
        return renderer.full()
    dirty: set[str] = set()
    reparsed: set[str] = set()
    everything = regrouped = False  # regrouped: a directory's index.md came or went
    config_file = Path(renderer.config.config_file).resolve() if renderer.config.config_file else None
    custom = renderer.config.path(renderer.config.theme.custom_dir or ".ssg-no-overrides").resolve()
    _warm(renderer, changed)
    for raw in sorted(Path(p).resolve() for p in changed):
        if raw == config_file or (raw.is_relative_to(custom) and custom not in renderer.theme.dirs):
            return renderer.full()  # a new override directory changes the whole chain
        if raw == renderer.docs or renderer.docs in raw.parents:
            rel = raw.relative_to(renderer.docs).as_posix()
            if any(part.startswith(".") for part in rel.split("/")):
                continue
            st = renderer.state
            gone_dir = not raw.exists() and any(k.startswith(rel + "/") for k in (*st.pages, *st.files))
            if raw.is_dir() or gone_dir:
                return renderer.full()
            if rel.endswith(".md"):
                old = renderer.state.pages.get(rel)
                _reparse(renderer, rel, raw)
                new = renderer.state.pages.get(rel)
                reparsed.add(rel)
                came_or_went = (old is None) != (new is None)
                everything |= rel in renderer.pagelib.NAV_SOURCES and came_or_went
                regrouped |= came_or_went and rel.rpartition("/")[2] == "index.md"
                if came_or_went or old.anchors != new.anchors or old.url != new.url:
                    dirty |= renderer.state.linkers.get(rel, set())  # their link checks may change
            else:
                _refile(renderer, rel, raw)
                dirty |= renderer.state.linkers.get(rel, set())
            dirty.add(rel)
            renderer._touched.add(rel)
        elif renderer.theme.owns(raw):
            if renderer.theme.is_template(raw):
                name = renderer.theme.template_name(raw)
                renderer.env = renderer.theme.environment()
                renderer.templates, renderer._fixed = {}, ""
                users = {p.src for p in renderer.state.pages.values() if p.template == name}
                everything |= name == "base.html" or not users
                dirty |= users
            else:
                renderer.state.assets = renderer.theme.assets()
                renderer._touched |= set(renderer.state.assets)
    renderer.store.texts = {}  # (what ``_warm`` read and no page took: never a later pass's text)
    if everything:
        dirty = set(renderer.state.pages)
    dirty &= set(renderer.state.pages)
    renderer._relink(set(renderer.state.pages) if regrouped else reparsed)
    renderer._feed_srcs = render_extras.in_feed(renderer)
    for src in sorted(dirty):
        renderer._render(src)
    render_extras.missing_404(renderer)
    render_extras.make(renderer)
    return renderer._finish(start, len(dirty), full=False)


def _warm(renderer, changed: set[Path]) -> None:
    """Many changed pages (a new digest range): parse them in two processes first."""
    if renderer.cache.root is None or len(changed) < WARM_MIN or renderer._workers(render_workers.PARALLEL_MIN) < 2:
        return
    srcs = sorted(rel for rel in (_rel(renderer, p) for p in changed) if rel and rel.endswith(".md"))
    srcs = [rel for rel in srcs if (renderer.docs / rel).is_file()]
    if len(srcs) < WARM_MIN:
        return
    keys = {}
    for rel in srcs:  # ``ssg build`` may have parsed them already, while the digest wrote them
        try:
            text = renderer.store.texts[rel] = (renderer.docs / rel).read_text("utf-8")  # (``parse`` takes it)
            keys[rel] = render_cache.text_key(text)
        except (OSError, UnicodeDecodeError):
            keys[rel] = ""
    have = renderer.cache.known(set(keys.values()))
    srcs = [rel for rel in srcs if keys[rel] not in have]
    if len(srcs) >= WARM_MIN:
        render_workers.warm(renderer, srcs)


def _rel(renderer, path: Path) -> str:
    raw = Path(path).resolve()
    return raw.relative_to(renderer.docs).as_posix() if renderer.docs in raw.parents else ""


def _reparse(renderer, rel: str, path: Path) -> None:
    existed = rel in renderer.state.pages
    renderer.state.lite.discard(rel)
    if path.is_file():
        renderer.state.pages[rel] = renderer.store.parse(rel, path)
    else:
        page = renderer.state.pages.pop(rel, None)
        if page is not None:
            renderer.state.outputs.pop(renderer.pagelib.output_of(page.url), None)
            renderer.state.page_problems.pop(rel, None)
            renderer.state.feed_html.pop(rel, None)
            renderer._unlink(rel)
    if existed != (rel in renderer.state.pages):
        renderer._targets, renderer._fixed = {}, ""


def _refile(renderer, rel: str, path: Path) -> None:
    if path.is_file():
        renderer.state.files[rel] = path
    else:
        renderer.state.files.pop(rel, None)
