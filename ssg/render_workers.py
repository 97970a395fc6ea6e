"""The worker processes of the renderer: a full pass (``run_workers``) and an update's warm-up (``warm``).

``run_workers`` does the full render pass in forked worker processes (``render.Renderer`` decides when);
``warm`` parses the many changed pages of an update into the render cache first.

Each worker parses its share of the pages (through the render cache), sends the
light page facts (no body) to the parent, gets the whole site's index back,
renders its share and writes those files itself.  The parent only gathers
output keys, problems and the index it needs for the feed, sitemap and later
incremental passes.  Shares are fixed by the caller from sorted positions, so the output does not
depend on timing; an error in a worker reaches the caller as a ``RenderError``
with its location.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import traceback
from dataclasses import replace

from ssg import apart, errors, render_output
from ssg.errors import RenderError

PARALLEL_MIN = 400
"""A full pass with at least this many pages to parse (not in the cache) runs in two processes."""
HOLD = 4000
"""Pages of its share whose facts (no body: ~15 KB each on the real archive) a worker keeps from
parsing to rendering them; the rest are let go and read back (the render cache) for their
render, so that a worker's memory stays bounded however big the site.  Reading every page
back cost 9 % of a full pass's CPU."""


def _child(renderer, conn, chunk: list[str], every: frozenset[str], parent: int) -> None:
    """Worker process (forked): parse a share of the pages, render it against the full index, write it.
    ``every``: the source of every page of the pass (what a link may point to)."""
    apart.die_with_parent(parent)
    src = ""
    try:
        mine = {}
        for src in chunk:
            page = mine[src] = renderer.store.parse(src, renderer.docs / src)
            if renderer.cache.root is not None:
                page.parts = None  # the body waits in the cache until this page is rendered (flat memory)
        renderer.cache.flush()  # the parent and the other worker may read these entries now
        src = ""
        targets = renderer.links.link_targets(mine, every, renderer._targets)  # (its pages: the same)
        conn.send(("light", ({s: render_output.lighter(page) for s, page in mine.items()}, targets)))
        keep = renderer.cache.root is None  # no cache to bring a page's facts back from: keep them
        if not keep:
            renderer.store.memo.clear()  # its facts repeat the pages' (links above all); only a parse cache
        src = ""
        renderer.state.pages = conn.recv()  # every page as others need it (anchors), this share's too
        held = mine if keep else dict(itertools.islice(mine.items(), HOLD))
        renderer.state.pages.update(held)  # (rendered first: they are the share's first pages)
        renderer.state.lite.update(src for src in chunk if src not in held)  # brought back for their render
        del mine, held
        renderer._feed_srcs = set()  # the parent renders the feed (from the cache)
        st, made = renderer.state, set()
        for src in chunk:
            renderer._render(src)
            render_output.flush(renderer, made)
            if not keep:
                st.pages[src] = _slim(st.pages[src])
                st.lite.add(src)
        renderer.cache.flush()
        conn.send(("done", (st.outputs, st.page_problems, st.written)))
    except BaseException as exc:  # report, never hang the parent
        told = exc if isinstance(exc, RenderError) else errors.environmental(exc)
        if told is not None:
            conn.send(("error", (told.message, told.location)))
        else:
            frame = traceback.extract_tb(exc.__traceback__)[-1:] or [None]
            where = f"{frame[0].filename}:{frame[0].lineno}" if frame[0] else ""
            conn.send(("error", (f"{exc!r} while rendering {src or 'the pages'} ({where})", src)))
    finally:
        conn.close()


def _warm_child(renderer, share: list[str], parent: int) -> None:
    apart.die_with_parent(parent)
    renderer.store.warm(render_output.staged_texts([(src, renderer.docs / src) for src in share], renderer.docs))


def warm(renderer, srcs: list[str]) -> None:
    """Parse ``srcs`` into the render cache in two forked processes (an update with many
    changed pages); the caller then finds them there.  Nothing depends on it succeeding."""
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_warm_child, args=(renderer, srcs[i::2], os.getpid()), daemon=True)
             for i in range(2)]
    gc.freeze()
    try:
        for proc in procs:
            proc.start()
    finally:
        gc.unfreeze()
        for proc in procs:
            proc.join()


def _receive(conn, expected: str):
    kind, payload = conn.recv()
    if kind == "error":
        raise RenderError(payload[0], location=payload[1])
    assert kind == expected, kind
    return payload


def _slim(page):
    """What rendering another page needs of a page: that it exists, its URL and anchors."""
    return replace(page, meta={}, links=(), hrefs=(), toc=(), problems=(), parts=None)


def run_workers(renderer, shares: list[list[str]]) -> None:
    """Full pass in ``workers`` forked processes that write their own pages; output identical to the serial pass."""
    ctx = multiprocessing.get_context("fork")
    renderer.out_dir.mkdir(parents=True, exist_ok=True)
    gc.freeze()  # the children's collections skip what they inherit: fewer copy-on-write pages
    links = []
    every = frozenset(src for share in shares for src in share)
    for share in shares:
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(target=_child, args=(renderer, theirs, share, every, os.getpid()), daemon=True)
        proc.start()
        theirs.close()
        links.append((mine, proc))
    try:
        state = renderer.state
        for conn, _ in links:  # each page without its links, and what they point to
            pages, targets = _receive(conn, "light")
            state.pages.update(pages)
            state.targets.update(targets)
        state.pages = dict(sorted(state.pages.items()))
        for src, keys in state.targets.items():  # the parent never needs a page's links (the feed
            for key in keys:  # brings its pages back whole)
                state.linkers.setdefault(key, set()).add(src)
        state.lite = set(state.pages)
        others = {src: _slim(page) for src, page in renderer.state.pages.items()}
        for conn, _ in links:
            conn.send(others)
        del others
        for conn, _ in links:
            outputs, problems, written = _receive(conn, "done")
            renderer.state.outputs.update(outputs)
            renderer.state.page_problems.update(problems)
            renderer.state.written |= written
    finally:
        gc.unfreeze()
        for conn, proc in links:
            conn.close()
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join()
    renderer.state.outputs = dict(sorted(renderer.state.outputs.items()))
