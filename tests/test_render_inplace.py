"""``ssg build`` updating site/ in place from the last build's snapshot (issue 8, goal 2).

The second build of a site reads the renderer state the first one kept, renders
only what depends on the content files that changed, and commits the result as
one journalled batch into the same site/ directory.  These tests hold it to the
same output as a clean build, and to old-or-new after a crash at any point.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from ssg import journal, render_cache, render_output, render_state, render_swap, render_workers
from ssg.render import build, render_site
from tests.test_render import QUIET, SAMPLE, conf, page, tree

DIGEST = "digests/2026-03-02-1a2b3c4d-5e6f7a8b.md"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "content")
    build(conf(tmp_path), **QUIET)
    assert render_state.read_state(tmp_path / ".ssg-cache" / "render") is not None
    return tmp_path


def clean(root: Path) -> tuple[dict[str, bytes], tuple]:
    out = root / "clean"
    shutil.rmtree(out, ignore_errors=True)
    report = render_site(conf(root), out, **QUIET)
    return tree(out), report.problems


def edit(root: Path) -> None:
    """One page edited, one added, one removed (the kinds of change a new digest range makes)."""
    content = root / "content"
    d = content / DIGEST
    d.write_text(d.read_text().replace("## Patch list", "## Patches posted"))
    (content / "digests" / "2026-03-09-5e6f7a8b-9a8b7c6d.md").write_text(
        page(title="New digest", kind="digest", feed="true", date="2026-03-09T00:00:00Z",
             body="# New\n\n[old](2026-03-02-1a2b3c4d-5e6f7a8b.md)"))
    (content / "authors" / "dmitri-testov.md").unlink()


def test_second_build_updates_in_place_and_equals_a_clean_build(built):
    site = built / "site"
    inode = site.stat().st_ino
    untouched = site / "about" / "index.html"
    before = untouched.stat()
    edit(built)
    report = build(conf(built), **QUIET)
    want, problems = clean(built)
    assert tree(site) == want
    assert report.problems == problems and any(p.code == "broken-link" for p in problems)
    assert site.stat().st_ino == inode  # the same directory: updated, not swapped
    after = untouched.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert 0 < report.pages < len(list((built / "content").rglob("*.md")))
    assert 0 < len(report.changed) < 10
    assert not list(built.glob(".site.*"))  # no staging left behind
    again = build(conf(built), **QUIET)
    assert again.pages == 0 and tree(site) == want


def test_a_target_losing_its_anchor_rechecks_the_pages_linking_to_it(built):
    content = built / "content"
    d = content / DIGEST
    d.write_text(d.read_text().replace("## Patch list", "## Something else"))
    report = build(conf(built), **QUIET)
    _, problems = clean(built)
    assert report.problems == problems
    assert any(p.code == "broken-anchor" and p.path == "about.md" for p in problems)


def test_killed_after_the_journal_ends_in_the_new_state(built, monkeypatch):
    site = built / "site"
    edit(built)
    real = os.replace
    calls = []

    def dies_half_way(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process stops between two renames
        real(src, dst)

    monkeypatch.setattr(journal.os, "replace", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        build(conf(built), **QUIET)
    monkeypatch.setattr(journal.os, "replace", real)
    assert (built / ".site.txn" / journal.JOURNAL).is_file()
    assert render_swap.tidy(site)  # the next run plays the journal first
    want, _ = clean(built)
    assert tree(site) == want
    report = build(conf(built), **QUIET)
    assert tree(site) == want and report.problems == clean(built)[1]


def test_killed_while_staging_leaves_the_old_site(built, monkeypatch):
    site = built / "site"
    before = tree(site)
    edit(built)

    def dies(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(journal, "write_synced", dies)
    with pytest.raises(KeyboardInterrupt):
        build(conf(built), **QUIET)
    assert tree(site) == before
    assert not render_swap.tidy(site) and not (built / ".site.txn").exists()
    monkeypatch.undo()
    build(conf(built), **QUIET)
    assert tree(site) == clean(built)[0]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "other-engine"])
def test_a_damaged_snapshot_means_a_full_build(built, damage):
    state = built / ".ssg-cache" / "render" / render_state.STATE
    data = state.read_bytes()
    if damage == "truncate":
        state.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        state.write_bytes(b"\x80\x05garbage")  # (no seal line at all)
    elif damage == "empty":
        state.write_bytes(b"")  # (a file that cannot be mapped)
    else:
        from ssg.render import _State
        render_state.write_state(state.parent, {"site": "x", "state": _State()})
        state.write_bytes(state.read_bytes().replace(render_cache.engine().encode(), b"0" * 32))
    inode = (built / "site").stat().st_ino
    edit(built)
    build(conf(built), **QUIET)
    assert tree(built / "site") == clean(built)[0]
    assert (built / "site").stat().st_ino != inode  # rebuilt beside and swapped in


def test_a_hand_edited_output_means_a_full_build(built):
    (built / "site" / "about" / "index.html").write_text("edited")
    edit(built)
    build(conf(built), **QUIET)
    assert tree(built / "site") == clean(built)[0]


def test_a_copied_site_keeps_updating_in_place(built):
    """Copies keep size and mtime (shutil.copytree, cp -a): the snapshot still applies."""
    moved = built.parent / (built.name + "-copy")
    shutil.copytree(built, moved, symlinks=True)
    shutil.rmtree(built)
    moved.rename(built)
    edit(built)
    inode = (built / "site").stat().st_ino
    build(conf(built), **QUIET)
    assert tree(built / "site") == clean(built)[0]
    assert (built / "site").stat().st_ino == inode


def test_a_snapshot_naming_other_classes_is_refused_not_run(built, tmp_path):
    """A cache directory someone else committed must not run code through pickle."""
    import pickle

    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    root = built / ".ssg-cache" / "render"
    payload = pickle.dumps({"engine": render_cache.engine(), "site": str(built / "site"), "x": Evil()})
    render_cache.write_sealed(root / render_state.STATE, payload)
    assert render_state.read_state(root) is None
    assert not marker.exists()
    edit(built)
    build(conf(built), **QUIET)
    assert not marker.exists() and tree(built / "site") == clean(built)[0]


def test_many_changed_pages_are_parsed_in_two_processes_first(built, monkeypatch):
    """The warm-up (forked parsing into the render cache) changes nothing but speed."""
    from ssg import render_update

    calls = []
    real = render_workers.warm
    monkeypatch.setattr(render_update, "WARM_MIN", 1)
    monkeypatch.setattr(render_workers, "warm", lambda r, srcs: calls.append(list(srcs)) or real(r, srcs))
    edit(built)
    for page in (built / "content" / "series").glob("*.md"):
        page.write_text(page.read_text().replace("\n## ", "\n## Again: ", 1))
    build(conf(built), **QUIET)
    assert calls and len(calls[0]) >= 3
    want, problems = clean(built)
    assert tree(built / "site") == want


def test_pages_parsed_ahead_leave_the_update_nothing_to_warm(built, monkeypatch):
    """``ssg build`` parses the pages the digest names while it writes (``render_output.ahead``):
    the update finds them in the cache, forks no warm-up, and equals a clean build.  A page
    named where it is no longer staged is read where it landed; one named but gone is skipped."""
    from ssg import render_update

    edit(built)
    content = built / "content"
    changed = sorted(p.relative_to(content).as_posix() for p in (content / "series").glob("*.md"))
    for rel in changed:
        (content / rel).write_text((content / rel).read_text().replace("\n## ", "\n## Again: ", 1))
    changed += [DIGEST, "digests/2026-03-09-5e6f7a8b-9a8b7c6d.md"]
    staged = [(rel, built / "nowhere" / rel) for rel in changed] + [("gone.md", built / "gone.md")]
    saved = sys.stdout, sys.stderr  # the process's own streams: ``apart`` forks the parsing off
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        known = render_output.ahead(conf(built), staged=iter(staged))
    finally:
        sys.stdout, sys.stderr = saved
    cache = render_cache.PageCache(built / ".ssg-cache" / "render")
    keys = {render_cache.text_key((content / rel).read_text()) for rel in changed}
    assert cache.known(keys) == keys and known.snapshot is not None
    calls = []
    monkeypatch.setattr(render_update, "WARM_MIN", 1)
    monkeypatch.setattr(render_workers, "warm", lambda r, srcs: calls.append(list(srcs)))
    build(conf(built), known=known, **QUIET)
    assert calls == []
    assert tree(built / "site") == clean(built)[0]


def test_with_the_state_read_pages_are_parsed_ahead_here_and_the_state_is_frozen(built, monkeypatch):
    """Once ``ahead`` has read the last build's state, it parses the named pages in this process:
    a child forked then would share the state, and every page of it the render touches after
    would fault once to be this process's own again.  The state's objects are left out of the
    cyclic collector's scans (``gc.freeze``).  The build still equals a clean one."""
    import gc

    edit(built)
    content = built / "content"
    changed = sorted(p.relative_to(content).as_posix() for p in (content / "series").glob("*.md"))
    for rel in changed:
        (content / rel).write_text((content / rel).read_text().replace("\n## ", "\n## Here: ", 1))

    def no_fork():
        raise AssertionError("forked")
    monkeypatch.setattr(os, "fork", no_fork)
    gc.unfreeze()
    try:
        known = render_output.ahead(conf(built), staged=iter([(rel, content / rel) for rel in changed]))
        assert known.snapshot is not None and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    cache = render_cache.PageCache(built / ".ssg-cache" / "render")
    keys = {render_cache.text_key((content / rel).read_text()) for rel in changed}
    assert cache.known(keys) == keys
    assert set(known.store.held) == keys and keys <= set(known.store.memo)  # held for the renderer
    monkeypatch.undo()
    asked = []
    for name in ("get", "body"):
        real = getattr(render_cache.PageCache, name)
        monkeypatch.setattr(render_cache.PageCache, name, lambda self, key, *a, real=real: asked.append(key)
                            or real(self, key, *a))
    build(conf(built), known=known, **QUIET)
    assert not keys & set(asked) and not known.store.held  # taken from memory, not read back
    monkeypatch.undo()
    assert tree(built / "site") == clean(built)[0]


def test_parsing_ahead_stops_when_the_digest_has_ended(built):
    """Names still waiting when the digest ends are left to the render (two processes), not
    parsed by the one child while the other core idles."""
    edit(built)
    content = built / "content"
    changed = sorted(p.relative_to(content).as_posix() for p in (content / "series").glob("*.md"))
    assert len(changed) >= 4
    for rel in changed:
        (content / rel).write_text((content / rel).read_text().replace("\n## ", "\n## Ahead: ", 1))
    ended = built / "digest-ended"

    def named():  # the parsing child reads these: the digest "ends" as the third is named
        for n, rel in enumerate(changed):
            if n == 2:
                ended.touch()
            yield rel, content / rel
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        known = render_output.ahead(conf(built), staged=named(), late=ended.exists)
    finally:
        sys.stdout, sys.stderr = saved
    assert known.snapshot is not None  # read before the digest ended
    cache = render_cache.PageCache(built / ".ssg-cache" / "render")
    keys = [render_cache.text_key((content / rel).read_text()) for rel in changed]
    assert cache.known(set(keys)) == set(keys[:2])
    build(conf(built), known=known, **QUIET)
    assert tree(built / "site") == clean(built)[0]


def test_a_template_that_does_not_compile_ahead_is_reported_by_the_build(built):
    """``ahead`` compiles the theme's templates while the digest runs, quietly; the one that
    does not compile is the build's error, located at the template, and site/ stays as it was."""
    from ssg.errors import RenderError

    over = built / "overrides"
    over.mkdir()
    (over / "page.html").write_text("{% extends 'base.html' %}{% block content %}{% if %}{% endblock %}")
    cfg = conf(built)
    before = tree(built / "site")
    assert render_output.ahead(cfg, late=lambda: True).env is None  # the digest ended first: not needed yet
    known = render_output.ahead(cfg)
    assert known.env is not None and known.snapshot is not None
    with pytest.raises(RenderError) as caught:
        build(cfg, known=known, **QUIET)
    assert "page.html:1" in (caught.value.location or "")
    assert tree(built / "site") == before


def _full_build_state(root: Path) -> dict:
    """The state a build keeps when it renders everything (no snapshot, no manifest to go on)."""
    cache = root / ".ssg-cache" / "render"
    render_state.forget_state(cache)
    render_state.write_manifest(cache, {})
    build(conf(root), **QUIET)
    assert not (cache / render_state.DELTA).exists()
    return render_state.read_state(cache)


def test_updates_write_only_a_delta_and_keep_the_state_a_full_build_keeps(built, monkeypatch):
    """An in-place build writes the pages whose facts changed beside the base state, not every
    page's again (``render_state.write_state``); read back, base and delta are the state a full
    build of the same content keeps, in the same order."""
    import dataclasses

    monkeypatch.setattr(render_state, "REWRITE_AT", 1)  # this site is small: any delta is "few"
    cache = built / ".ssg-cache" / "render"
    base = (cache / render_state.STATE).read_bytes()
    edit(built)
    build(conf(built), **QUIET)
    assert (cache / render_state.STATE).read_bytes() == base and (cache / render_state.DELTA).is_file()
    assert tree(built / "site") == clean(built)[0]
    first = render_state.read_state(cache)["since"].pages
    assert "digests/2026-03-09-5e6f7a8b-9a8b7c6d.md" in first and "authors/dmitri-testov.md" in first
    content = built / "content"
    (content / "digests" / "2026-03-09-5e6f7a8b-9a8b7c6d.md").unlink()
    (content / "about.md").write_text((content / "about.md").read_text() + "\nOne more line.\n")
    build(conf(built), **QUIET)
    assert (cache / render_state.STATE).read_bytes() == base
    assert tree(built / "site") == clean(built)[0]
    chain = render_state.read_state(cache)
    assert first | {"about.md"} <= chain["since"].pages
    full = _full_build_state(built)
    for f in dataclasses.fields(full["state"]):
        assert getattr(chain["state"], f.name) == getattr(full["state"], f.name), f.name
    assert list(chain["state"].pages) == list(full["state"].pages) == sorted(full["state"].pages)
    assert chain["content"] == full["content"]


def test_a_delta_of_many_pages_writes_the_whole_state_again(built, monkeypatch):
    monkeypatch.setattr(render_state, "REWRITE_AT", 10_000)
    cache = built / ".ssg-cache" / "render"
    base = (cache / render_state.STATE).read_bytes()
    edit(built)
    build(conf(built), **QUIET)
    assert (cache / render_state.STATE).read_bytes() != base and not (cache / render_state.DELTA).exists()
    assert render_state.read_state(cache)["since"].pages == frozenset()
    assert tree(built / "site") == clean(built)[0]


@pytest.mark.parametrize("loss", ["deleted", "other-base"])
def test_a_lost_delta_means_a_full_build(built, monkeypatch, loss):
    """Without its delta the base is an older state than the manifest's (the stamps differ):
    updating from it could keep a page that changed and changed back; the build starts over."""
    monkeypatch.setattr(render_state, "REWRITE_AT", 1)
    cache = built / ".ssg-cache" / "render"
    about = built / "content" / "about.md"
    text = about.read_text()
    about.write_text(text + "\nChanged.\n")
    build(conf(built), **QUIET)
    assert (cache / render_state.DELTA).is_file()
    if loss == "deleted":
        (cache / render_state.DELTA).unlink()
    else:  # the same base under another name: the delta is not its own
        record = render_state._read(cache / render_state.STATE)
        render_state._write(cache / render_state.STATE, {**record, "token": "another"})
        assert render_state.read_state(cache)["since"] == render_state.Since("another", frozenset())
    about.write_text(text)  # back as the base knew it
    inode = (built / "site").stat().st_ino
    build(conf(built), **QUIET)
    assert tree(built / "site") == clean(built)[0]
    assert (built / "site").stat().st_ino != inode  # rebuilt beside and swapped in


def test_symlinked_folders_in_content_are_not_followed_loops_or_outside(built, tmp_path_factory):
    """A link back up (a loop) or out of the project (private files) under content/ is
    neither walked (the stat of content/ used to recurse until ELOOP) nor published."""
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.md").write_text("---\ntitle: secret\n---\nprivate\n")
    os.symlink("..", built / "content" / "loop")
    os.symlink(outside, built / "content" / "elsewhere")
    edit(built)
    build(conf(built), **QUIET)
    want, _ = clean(built)
    assert tree(built / "site") == want
    assert not any("secret" in rel or "loop" in rel for rel in want)
    assert not any(b"private" in data for data in want.values())
    assert not any(rel.startswith(("loop", "elsewhere")) for rel in render_state.file_stats(built / "content"))


def test_the_state_written_whole_holds_each_repeated_string_once(built):
    """A page source, a meta key or an anchor used by many pages is one object in the
    state read back (``render_state._canonical``): pickle writes it once, reading makes
    it once.  The state read equals the one written."""
    cache = built / ".ssg-cache" / "render"
    state = render_state.read_state(cache)["state"]
    pages = list(state.pages.values())
    keys = [k for p in pages for k in p.meta if k == "title"]
    assert len(keys) > 3 and len({id(k) for k in keys}) == 1
    for src, page in state.pages.items():
        assert page.src is src
    linked = [(src, t) for src, ts in state.targets.items() for t in ts if t in state.pages]
    assert linked and all(t is next(k for k in state.pages if k == t) for _, t in linked)
    record = render_state.read_state(cache)
    again = record["state"]
    shared = [k for k in record["content"] if k in again.pages]
    assert shared and all(k is next(s for s in again.pages if s == k) for k in shared)
    assert again.pages == state.pages and again.targets == state.targets and again.outputs == state.outputs
