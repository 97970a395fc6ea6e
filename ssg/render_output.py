"""Writing the output: syncing out_dir, and ``build`` (site/ updated in place, or rendered beside and swapped in).

``sync`` writes what changed (rendered bytes, hard links to unchanged pages of the
old site, copies of static files) and removes what is no longer wanted.  The full
render pass in forked worker processes is in ``render_workers``, the site swap of
``build`` in ``render_swap``.
"""

from __future__ import annotations

import gc
import itertools
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ssg import apart, journal, render_cache, render_state, render_swap
from ssg.errors import Problem, RenderError, SsgError
from ssg.theme import load_theme


def put(renderer, rel: str, target: Path, data: bytes | Path | str) -> bool:
    """Write one wanted file; False when a page output was not produced by this pass."""
    if isinstance(data, Path):
        shutil.copyfile(data, target)
    elif isinstance(data, bytes):
        target.write_bytes(data)
    elif rel in renderer.state.html:
        target.write_bytes(renderer.state.html[rel])
    elif rel in renderer.state.reused:
        try:
            os.link(renderer.state.reused[rel], target)
        except OSError:
            shutil.copyfile(renderer.state.reused[rel], target)
    else:
        return rel in renderer.state.written
    return True


def flush(renderer, made: set) -> None:
    """Write the pages rendered so far into out_dir now (memory stays flat); ``sync`` skips them."""
    st = renderer.state
    for rel in (*st.html, *st.reused):
        target = renderer.out_dir / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        put(renderer, rel, target, "")
        st.written.add(rel)
    st.html, st.reused = {}, {}


def sync(renderer, wanted: dict[str, bytes | Path | str], *, full: bool) -> tuple[list[str], int]:
    """Make out_dir hold exactly ``wanted`` (path → source file, bytes, or a page's output key).

    With ``renderer.stage`` set (a build updating site/ in place) the files are
    staged there and committed as one journalled batch (``ssg.journal``)."""
    out = renderer.out_dir
    stage = renderer.stage
    out.mkdir(parents=True, exist_ok=True)
    changed: list[str] = []
    stale = set(renderer.state.on_disk) - set(wanted)
    if full and not renderer.stream:  # (a new directory holds only this pass's files: no walk)
        stale |= {f.relative_to(out).as_posix() for f in out.rglob("*") if f.is_file()} - set(wanted)
    for rel in sorted(stale):
        changed.append(rel)
        if stage is None:
            (out / rel).unlink(missing_ok=True)
            journal.prune(out, (out / rel).parent)
    made: set[Path] = {out}
    copied, writes = 0, []
    marks = {rel: _mark(data) for rel, data in wanted.items()}  # (bytes hashed once: feed and sitemap)
    for rel, data in wanted.items():
        if not full and renderer.state.on_disk.get(rel) == marks[rel] and rel not in renderer._touched:
            continue
        if rel in renderer.state.written:
            changed.append(rel)
            continue
        target = out / rel if stage is None else journal.staged(stage, rel)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if isinstance(data, str) and (target.exists() or target.is_symlink()):
            target.unlink()  # never write through a hard link into another site
        if not put(renderer, rel, target, data):
            raise RenderError("page output missing from this pass", location=rel)
        copied += isinstance(data, Path)
        changed.append(rel)
        writes.append(rel)
    if stage is not None:
        journal.commit(stage, out, writes, stale)
    renderer.state.on_disk = marks
    renderer.state.html, renderer.state.reused, renderer.state.written = {}, {}, set()
    renderer._touched = set()
    return sorted(changed), copied


def _mark(data: bytes | Path | str) -> Path | str:
    """What ``state.on_disk`` keeps of a wanted file: a page's key, a source path, a hash of bytes."""
    return "bytes:" + render_cache.digest(data) if isinstance(data, bytes) else data


@dataclass(frozen=True)
class Ahead:
    """What ``build`` needs of the last build (read before content/ is final)."""

    manifest: dict[str, Any]
    snapshot: dict[str, Any] | None
    """The renderer's state, or None when not read (yet)."""
    intact: bool
    """site/ holds the outputs the manifest names, as that build wrote them."""
    env: Any = None
    """The theme's Jinja environment, its templates compiled (or None)."""
    content: dict[str, tuple] | None = None
    """``file_stats`` of docs_dir taken while the digest ran (None: not taken)."""
    store: Any = None
    """The ``render_cache.PageStore`` that parsed the staged pages in this process, holding
    their facts and bodies for the renderer (None: parsed in a child, or not at all)."""
    committed: tuple[str, ...] | None = None
    """The docs_dir paths the digest wrote or removed after ``content`` was taken (None: unknown,
    so ``content`` is not used)."""


def ahead(config, *, snapshot: bool = True, staged: Iterable[tuple[str, Path]] | None = None,
          late: Callable[[], bool] = lambda: False, stat_content: bool = False) -> Ahead:
    """Finish an interrupted in-place build, read the last build's manifest, check
    that site/ still holds its outputs as written, take the ``file_stats`` of
    docs_dir (if ``stat_content``: the caller then names in ``Ahead.committed`` what
    the digest changed since), read the renderer state with
    the page engine's modules and compile the templates (unless ``snapshot`` is
    False, or ``late()`` says the digest has ended already, or ``staged`` is a
    ``handoff.Heard`` whose digest stops without saying pages are coming: a build
    with nothing new never needs them, and one that does reads them itself), then
    parse the pages ``staged`` names (content path, where it is staged) into the
    render cache.

    None of this depends on content/ being final: ``ssg build`` does it while the
    digest is still writing there."""
    site = config.path(config.site_dir).resolve()
    cache = config.path(config.cache_dir) / "render"
    if site.parent.is_dir() and render_swap.tidy(site):
        render_state.write_manifest(cache, {})
        render_state.forget_state(cache)
    manifest = render_state.read_manifest(cache)
    intact = render_state.unchanged(site, manifest, manifest.get("inputs", ""))
    content = render_state.file_stats(config.path(config.docs_dir).resolve()) if stat_content else None
    state, env = None, None
    coming = getattr(staged, "coming", None)  # ``handoff.Heard``: wait for the digest's first word
    if coming is not None and not coming():
        return Ahead(manifest, None, intact, content=content)  # the digest wrote no page
    if snapshot and not late():
        state = _read_state(cache) if manifest else None
        from ssg import pages  # noqa: F401  (imported now, used by the renderer)
        env = load_theme(config).compiled()
    store = None
    if staged is not None:
        store = _warm_staged(cache, config.path(config.docs_dir).resolve(), staged, late, in_child=state is None)
    return Ahead(manifest, state, intact, env, content, store=store)


def _warm_staged(cache: Path, docs: Path, staged: Iterable[tuple[str, Path]], late: Callable[[], bool],
                 *, in_child: bool = True):
    """Parse the staged pages into the render cache; in a child when ``in_child`` (a first
    build: the parsing's leftover heap would otherwise stay in this process, which the
    render's workers fork from, and a full build's peak memory is theirs), else here (an
    update: a child forked now would share the last build's state, read already, and every
    page of it the render then touches would fault once to be this process's own again).
    It stops when the digest has ended (``late()``), however many named pages are left: the
    render parses those, in two processes where there are many, instead of one process
    alone while a core idles.  Best effort: the renderer parses whatever is missing.
    Parsed here, the pages' facts and bodies stay in the store returned, for the renderer."""
    store = None if in_child else render_cache.PageStore(cache, docs)  # (a child makes its own)

    def warm() -> int:
        texts = staged_texts(itertools.takewhile(lambda _: not late(), staged), docs)
        return (store or render_cache.PageStore(cache, docs)).warm(texts, hold=store is not None)
    try:
        apart.call(warm) if in_child else warm()
    except SsgError:
        pass
    return store


def staged_texts(staged: Iterable[tuple[str, Path]], docs: Path) -> Iterator[str]:
    """Each staged page's text, read where it is staged, or where the commit moved it."""
    for rel, path in staged:
        for where in (path, docs / rel):
            try:
                yield where.read_text("utf-8")
                break
            except (OSError, UnicodeDecodeError, ValueError):
                continue


def build(config, make_renderer: Callable, *, strict: bool, log: Callable[[str], Any], report: type,
          known: Ahead | None = None):
    """``render.build``: update site/ in place from the last build's state when it
    still describes site/ (only pages whose inputs changed are rendered, as one
    journalled batch); else render into a new sibling of site_dir and swap it in.
    Stops early when nothing changed at all.  ``known``: what ``ahead`` read
    already."""
    start = time.perf_counter()
    site = config.path(config.site_dir).resolve()
    cache = config.path(config.cache_dir) / "render"
    strict = strict or config.strict
    known = known or ahead(config, snapshot=False)
    manifest = known.manifest
    docs = config.path(config.docs_dir).resolve()
    if known.content is not None and known.committed is not None:
        content = render_state.restat(docs, known.content, known.committed)
    else:
        content = render_state.file_stats(docs)
    fixed = render_state.settings(config, strict, load_theme(config).dirs)
    signature = render_state.signature(fixed, content)
    if known.intact and manifest.get("inputs") == signature:
        problems = tuple(Problem(*row) for row in manifest["problems"])
        if strict and problems:
            lines = "\n".join(f"  {p}" for p in problems[:20])
            raise RenderError(f"{len(problems)} problem(s) under --strict:\n{lines}", location=str(site))
        if not config.site_url:
            log("note: site_url is not set, so feed.xml, sitemap.xml and canonical links are left out")
        return report(pages=0, copied=0, problems=problems, seconds=time.perf_counter() - start)
    snapshot = known.snapshot if known.snapshot is not None else _read_state(cache)
    since, pages = None, set()
    if snapshot is not None and known.intact and _describes(snapshot, manifest, site, fixed):
        done, renderer, pages = _in_place(make_renderer, site, snapshot, content)
        since = snapshot.get("since")
        stats = {rel: st for rel, st in manifest["stats"].items() if rel in renderer.state.on_disk}
        stats.update(render_state.stats(site, done.changed))
    else:
        render_swap.claim(site, lambda: manifest.get("site", ""))
        done, renderer = _fresh(make_renderer, site, cache, manifest)
        stats = render_state.stats(site, renderer.state.on_disk)
    stamp = os.urandom(8).hex()  # ties the state written next to this manifest
    render_state.write_manifest(cache, {
        "site": str(site), "inputs": signature, "outputs": renderer.state.outputs, "stats": stats, "stamp": stamp,
        "problems": [[p.code, p.detail, p.message_id, p.commit, p.path, p.line] for p in done.problems]})
    render_state.write_state(cache, {"site": str(site), "settings": fixed, "content": content, "stamp": stamp,
                                     "state": _light(renderer.state)}, since, pages)
    journal.close(render_swap.txn_dir(site))
    apart.outlive(renderer)
    return replace(done, seconds=time.perf_counter() - start)


def _read_state(cache: Path) -> dict[str, Any] | None:
    """``render_state.read_state``, its objects then left out of the cyclic collector's scans
    (``gc.freeze``): they live to the end of the build, and each scan of them took ≈25 ms
    of a 300-message build on the real archive."""
    state = render_state.read_state(cache)
    gc.freeze()
    return state


def _light(state):
    """The state worth keeping between builds: what other pages need of each page
    (url, title, anchors, date), not its links, toc or body, in sorted order; no
    generated extras (but the feed entries' bodies, which are few)."""
    pages = {src: state.pages[src] if src in state.lite else lighter(state.pages[src]) for src in sorted(state.pages)}
    return replace(state, pages=pages, lite=set(pages), extras={}, html={}, reused={}, written=set(),
                   **{name: dict(sorted(getattr(state, name).items())) for name in render_state.PER_PAGE[1:]})


def lighter(page):
    """What the parent keeps of a page between builds (``_light``): no links, toc or body."""
    return replace(page, parts=None, links=(), hrefs=(), toc=())


def _describes(snapshot: dict[str, Any], manifest: dict[str, Any], site: Path, fixed: str) -> bool:
    """The saved state is the one the manifest was written with, of this site and these settings."""
    return manifest.get("stamp") is not None and snapshot.get("stamp") == manifest["stamp"] \
        and snapshot.get("site") == str(site) and snapshot.get("settings") == fixed \
        and isinstance(snapshot.get("content"), dict) and site.is_dir()


def _in_place(make_renderer: Callable, site: Path, snapshot: dict[str, Any], content: dict[str, tuple]):
    """Re-render what depends on the content files that changed since the snapshot, staged then
    committed; also the pages whose facts may now differ from the snapshot's (for ``write_state``)."""
    renderer = make_renderer(site, {}, None)
    renderer.state = snapshot["state"]
    had = set(renderer.state.pages)
    renderer.stage = render_swap.txn_dir(site)
    journal.close(renderer.stage)
    before = snapshot["content"]  # changed: size or mtime differ (as make and rsync decide; a copy keeps both)
    changed = {rel for rel in before.keys() | content.keys() if before.get(rel, ())[:2] != content.get(rel, ())[:2]}
    with journal.staging(renderer.stage):  # (site/ untouched unless the journal is whole)
        done = renderer.update({renderer.docs / rel for rel in changed})
    state = renderer.state  # a page left "lite" is still the snapshot's own
    return done, renderer, {src for src in state.pages if src not in state.lite} | (had - state.pages.keys())


def _fresh(make_renderer: Callable, site: Path, cache: Path, manifest: dict[str, Any]):
    """Render everything into a new sibling directory (unchanged pages hard-linked) and swap it in."""
    site.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site.name}.new-", dir=site.parent))
    reuse = render_state.still_there(site, manifest)
    try:
        renderer = make_renderer(fresh, reuse, site)
        renderer.stream = True  # a new directory: pages are written as they are rendered
        done = renderer.full()
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    render_state.write_manifest(cache, {})  # the old manifest no longer describes site/
    render_state.forget_state(cache)
    fresh.chmod(0o755)
    render_swap.swap(fresh, site)
    return done, renderer
