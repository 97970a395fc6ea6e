"""What the last ``build`` left under ``cache_dir/render/``, and how to tell whether it still holds.

- ``manifest.json``: what the last build wrote (output path → output key, the
  input signature, the problems, size and mtime of each output), so the next build
  can reuse unchanged output files and a build with nothing changed can stop early.
- ``state.pickle``: the renderer's state after a build (page facts without
  bodies, link maps, output keys, content file stats), so the next build can update
  site/ in place (``render_output.build``);
- ``state.delta.pickle``: the pages changed since ``state.pickle`` was written, and the
  rest of the state whole, so that a small update does not write every page's facts
  again (``write_state``).
All are sealed with a checksum and the engine fingerprint of ``render_cache``; one
that does not verify is ignored.  The manifest and the state carry the same ``stamp``,
new at each build: a state that is not the manifest's (a lost delta, a crash between
the two writes) is not used.  Everything here can be deleted at any time.
"""

from __future__ import annotations

import gc
import json
import mmap
import os
import pickle
import stat
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from ssg.config import output_key
from ssg.render_cache import _unseal, digest, engine, write_sealed


def read_manifest(root: Path | None) -> dict[str, Any]:
    """The last build's manifest, or {} when absent, corrupt or foreign."""
    if root is None:
        return {}
    try:
        payload = _unseal((root / "manifest.json").read_bytes())
        manifest = json.loads(str(payload, "utf-8", "surrogatepass")) if payload is not None else None
    except (OSError, ValueError):
        return {}
    ok = isinstance(manifest, dict) and isinstance(manifest.get("outputs"), dict) \
        and isinstance(manifest.get("problems"), list) and manifest.get("engine") == engine()
    return manifest if ok else {}


def write_manifest(root: Path | None, manifest: dict[str, Any]) -> None:
    if root is None:
        return
    try:
        payload = json.dumps({**manifest, "engine": engine()}, ensure_ascii=False, separators=(",", ":"))
        write_sealed(root / "manifest.json", payload.encode("utf-8", "surrogatepass"))
    except (OSError, TypeError, ValueError, UnicodeError):
        pass


STATE = "state.pickle"
"""The renderer's whole state after a build (see ``render_output.build``)."""
DELTA = "state.delta.pickle"
"""The pages changed since ``STATE`` was written, and the rest of the state whole."""
REWRITE_AT = 4
"""A delta would hold more than 1/REWRITE_AT of the pages: the whole state is written again."""
PER_PAGE = ("pages", "targets", "page_problems", "feed_html")
"""The state's maps by page: a delta holds only the changed pages' entries (None: gone).
``linkers`` is not kept at all: it is the reverse of ``targets``, made again on reading."""


@dataclass(frozen=True)
class Since:
    """Where a state read by ``read_state`` came from: the base it was read from, and
    the pages the delta on top of that base held."""

    base: str
    pages: frozenset[str]


@contextmanager
def _no_gc():
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _write(path: Path, record: dict[str, Any]) -> None:
    with _no_gc():
        payload = pickle.dumps({**record, "engine": engine()}, protocol=pickle.HIGHEST_PROTOCOL)
    write_sealed(path, payload)


def write_state(root: Path | None, snapshot: dict[str, Any], since: Since | None = None,
                changed: set[str] = frozenset()) -> None:
    """Keep the renderer's state for the next build (pickled: it holds only our own page
    facts).  ``since``: the state was updated from the one ``read_state`` gave with
    this ``Since``, and only the pages ``changed`` names may differ from it (in the
    ``PER_PAGE`` maps; a page may also have left ``feed_html``): then only those
    pages' entries (and those of the delta already there) are written, beside the
    base, unless they are many.  The ``PER_PAGE`` maps are in sorted order."""
    if root is None:
        return
    snapshot = {k: v for k, v in snapshot.items() if k not in ("since", "base", "token", "engine", "feed")}
    try:
        state = replace(snapshot["state"], linkers={})
        if since is not None and (root / STATE).is_file():
            delta = sorted(since.pages | changed)
            if len(delta) * REWRITE_AT <= len(state.pages):
                entries = {name: {src: getattr(state, name).get(src) for src in delta} for name in PER_PAGE}
                _write(root / DELTA, {**snapshot, "base": since.base, "entries": entries,
                                      "feed": list(state.feed_html),
                                      "state": replace(state, **{name: {} for name in PER_PAGE})})
                return
        canon: dict[str, str] = {}
        content = {canon.setdefault(k, k): v for k, v in snapshot.get("content", {}).items()}
        _write(root / STATE, {**snapshot, "content": content, "state": _canonical(state, canon),
                              "token": os.urandom(16).hex()})
        (root / DELTA).unlink(missing_ok=True)  # of the old base: it no longer applies
    except (OSError, pickle.PicklingError, TypeError, AttributeError, KeyError):
        forget_state(root)


def _canonical(state, canon: dict[str, str]):
    """The state with each repeated string one object (page sources as keys, in link
    targets and in the content's stats, meta keys, anchors, kinds, dates): pickle then
    writes it once and reading makes it once.  On the real archive a third of the
    state's 200,000 strings remained, and unpickling it took a third less time."""
    def one(text):
        return canon.setdefault(text, text) if type(text) is str else text

    def meta(m: dict[str, Any]) -> dict[str, Any]:
        return {one(k): (one(v) if type(v) is not dict else {one(a): one(b) for a, b in v.items()})
                for k, v in m.items()}
    pages = {one(src): replace(p, src=one(p.src), url=one(p.url), meta=meta(p.meta), template=one(p.template),
                               anchors=frozenset(map(one, p.anchors)), date=one(p.date))
             for src, p in state.pages.items()}
    return replace(state, pages=pages, targets={one(k): set(map(one, v)) for k, v in state.targets.items()},
                   **{name: {one(k): one(v) for k, v in getattr(state, name).items()}
                      for name in ("outputs", "page_problems", "feed_html", "on_disk")},
                   lite=set(map(one, state.lite)))


_ALLOWED = {("ssg.pages", "Page"), ("ssg.render", "_State"), ("ssg.errors", "Problem"),
            ("pathlib", "PosixPath"), ("pathlib", "WindowsPath")}
"""The only classes a snapshot may name: a cache directory checked into a site's repository
by someone else must not be able to run code through pickle."""


class _Loader(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a renderer snapshot")
        return super().find_class(module, name)


def _read(path: Path) -> dict[str, Any] | None:
    """The record sealed in ``path``, unpickled from a map of the file: read into
    memory first (and the payload cut out of that), the state took two fresh copies of
    ~10 MB, whose page faults cost more than the unpickling in a new process."""
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            payload = _unseal(data)
            if payload is None:
                return None
            with payload, _no_gc():  # unpickling makes ~10^5 containers: collections would triple the time
                data.seek(len(data) - len(payload))
                record = _Loader(data).load()
    except Exception:  # a damaged cache is a miss, whatever unpickling raised
        return None
    return record if isinstance(record, dict) and record.get("engine") == engine() else None


def read_state(root: Path | None) -> dict[str, Any] | None:
    """The last build's renderer state (the base, and the delta on it when there is one),
    with its ``Since`` under "since"; or None when absent, corrupt or from another engine."""
    if root is None:
        return None
    base = _read(root / STATE)
    if base is None or not isinstance(base.get("token"), str) or not hasattr(base.get("state"), "pages"):
        return None
    delta = _read(root / DELTA)
    entries = delta.get("entries") if delta is not None and delta.get("base") == base["token"] else None
    if not (isinstance(entries, dict) and entries.keys() == set(PER_PAGE) and hasattr(delta.get("state"), "pages")
            and isinstance(delta.get("feed"), list)):
        state = base["state"]
        state.linkers = _reverse(state.targets)
        return {**base, "since": Since(base["token"], frozenset())}
    state, was = delta["state"], base["state"]
    for name in PER_PAGE:
        merged = getattr(was, name)
        for src, value in entries[name].items():
            if value is None:
                merged.pop(src, None)
            else:
                merged[src] = value
        setattr(state, name, dict(sorted(merged.items())))
    state.feed_html = {src: state.feed_html[src] for src in delta["feed"] if src in state.feed_html}
    state.linkers = _reverse(state.targets)
    return {**delta, "since": Since(base["token"], frozenset(entries["pages"]))}


def _reverse(targets: dict[str, set[str]]) -> dict[str, set[str]]:
    """Link target → the pages linking to it."""
    out: dict[str, set[str]] = {}
    for src, keys in targets.items():
        for key in keys:
            out.setdefault(key, set()).add(src)
    return out


def forget_state(root: Path | None) -> None:
    if root is not None:
        (root / STATE).unlink(missing_ok=True)
        (root / DELTA).unlink(missing_ok=True)


def file_stats(top: Path) -> dict[str, tuple[int, int, int, int]]:
    """Relative POSIX path → (size, mtime, ctime, inode) of every file under ``top`` (dot names skipped)."""
    found: dict[str, tuple[int, int, int, int]] = {}

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_dir(follow_symlinks=False):
                walk(e.path, f"{prefix}{e.name}/")
                continue
            if e.is_symlink() and e.is_dir():  # not followed, as render._scan's os.walk does not (loops)
                continue
            try:
                found[prefix + e.name] = _facts(e.stat())
            except OSError:
                continue

    walk(str(top), "")
    return found


def restat(top: Path, stats: dict[str, tuple[int, int, int, int]],
           paths: Iterable[str]) -> dict[str, tuple[int, int, int, int]]:
    """``stats`` (``file_stats`` of ``top``, taken earlier) with ``paths`` looked at again:
    the files a step wrote or removed since (one ``stat`` each, not a walk of the tree)."""
    found = dict(stats)
    for rel in paths:
        found.pop(rel, None)
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        try:
            st = os.stat(top / rel)
        except (OSError, ValueError):
            continue
        if not stat.S_ISDIR(st.st_mode):
            found[rel] = _facts(st)
    return found


def _facts(st: os.stat_result) -> tuple[int, int, int, int]:
    """What ``file_stats`` keeps of a file: size, mtime, ctime, inode."""
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def tree_signature(dirs: list[Path]) -> str:
    """Hash of every file's path, size, mtime, ctime and inode under ``dirs`` (dot names skipped)."""
    rows: list[str] = []
    for d in dirs:
        if not os.path.isdir(d):
            rows.append(f"{d}\0missing")
            continue
        rows += [f"{d}/{rel}\0{st}" for rel, st in sorted(file_stats(Path(d)).items())]
    return digest(*rows)


def settings(config, strict: bool, theme_dirs) -> str:
    """Everything a build reads besides content/: engine, config, strictness, environment, theme chain."""
    from ssg.feeds import source_date
    return digest(engine(), output_key(config), str(strict), source_date(), tree_signature(list(theme_dirs)))


def signature(fixed: str, content: dict[str, tuple]) -> str:
    """Everything a build reads, by file metadata: ``settings`` and the ``file_stats`` of docs_dir."""
    return digest(fixed, *(f"{rel}\0{st}" for rel, st in sorted(content.items())))


def _stat(top: str, rel: str) -> list[int] | None:
    """Size and mtime of ``top + rel`` (plain ``os.stat`` on a joined string: a third of
    pathlib's time, for a site's 5,000 outputs), or None when it cannot be read."""
    try:
        st = os.stat(top + rel)
    except (OSError, ValueError):
        return None
    return [st.st_size, st.st_mtime_ns]


def stats(site: Path, rels) -> dict[str, list[int]]:
    """Size and mtime of each output file as written (to notice hand edits later)."""
    top = f"{site}/"
    return {rel: st for rel in rels if (st := _stat(top, rel)) is not None}


def _matches(site: Path, recorded: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """Each recorded output, and whether site/ still holds it with the size and mtime recorded."""
    top = f"{site}/"
    for rel, facts in recorded.items():
        yield rel, facts is not None and _stat(top, rel) == facts


def still_there(site: Path, manifest: dict[str, Any]) -> dict[str, str]:
    """Output keys of the last build whose files are still in site/ as it wrote them."""
    if manifest.get("site") != str(site) or not isinstance(manifest.get("stats"), dict):
        return {}
    outputs = manifest["outputs"]
    return {rel: outputs[rel] for rel, same in _matches(site, {r: manifest["stats"].get(r) for r in outputs}) if same}


def unchanged(site: Path, manifest: dict[str, Any], signature: str) -> bool:
    """The last build's manifest matches the inputs, and its outputs are still in site/ as written."""
    if manifest.get("inputs") != signature or manifest.get("site") != str(site) \
            or not isinstance(manifest.get("stats"), dict):
        return False
    return all(same for _, same in _matches(site, manifest["stats"]))
