"""What the last ``build`` left under ``cache_dir/render/``, and how to tell whether it still holds.

- ``manifest.json``: what the last build wrote (output path → output key, the
  input signature, the problems, size and mtime of each output), so the next build
  can reuse unchanged output files and a build with nothing changed can stop early.
- ``state.pickle``: the renderer's state after the last build (page facts without
  bodies, link maps, output keys, content file stats), so the next build can update
  site/ in place (``render_output.build``).
Both are sealed with a checksum and the engine fingerprint of ``render_cache``; one
that does not verify is ignored.  Everything here can be deleted at any time.
"""

from __future__ import annotations

import gc
import io
import json
import os
import pickle
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ssg.render_cache import _seal, _unseal, digest, engine, write_atomic


def read_manifest(root: Path | None) -> dict[str, Any]:
    """The last build's manifest, or {} when absent, corrupt or foreign."""
    if root is None:
        return {}
    try:
        payload = _unseal((root / "manifest.json").read_bytes())
        manifest = json.loads(payload) if payload is not None else None
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
        write_atomic(root / "manifest.json", _seal(payload.encode("utf-8", "surrogatepass")))
    except (OSError, TypeError, ValueError, UnicodeError):
        pass


STATE = "state.pickle"
"""The renderer's whole state after the last ``build`` (see ``render_output.build``)."""


@contextmanager
def _no_gc():
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def write_state(root: Path | None, snapshot: dict[str, Any]) -> None:
    """Keep the renderer's state for the next build (pickled: it holds only our own page facts)."""
    if root is None:
        return
    try:
        with _no_gc():
            payload = pickle.dumps({**snapshot, "engine": engine()}, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(root / STATE, _seal(payload))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        forget_state(root)


_ALLOWED = {("ssg.pages", "Page"), ("ssg.render", "_State"), ("ssg.errors", "Problem"),
            ("pathlib", "PosixPath"), ("pathlib", "WindowsPath")}
"""The only classes a snapshot may name: a cache directory checked into a site's repository
by someone else must not be able to run code through pickle."""


class _Loader(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a renderer snapshot")
        return super().find_class(module, name)


def read_state(root: Path | None) -> dict[str, Any] | None:
    """The last build's renderer state, or None when absent, corrupt or from another engine."""
    if root is None:
        return None
    try:
        payload = _unseal((root / STATE).read_bytes())
        with _no_gc():  # unpickling makes ~10^5 containers: collections would triple the time
            snapshot = _Loader(io.BytesIO(payload)).load() if payload is not None else None
    except Exception:  # a damaged cache is a miss, whatever unpickling raised
        return None
    return snapshot if isinstance(snapshot, dict) and snapshot.get("engine") == engine() else None


def forget_state(root: Path | None) -> None:
    if root is not None:
        (root / STATE).unlink(missing_ok=True)


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
            if e.is_dir(follow_symlinks=True):
                walk(e.path, f"{prefix}{e.name}/")
                continue
            try:
                st = e.stat()
            except OSError:
                continue
            found[prefix + e.name] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

    walk(str(top), "")
    return found


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
    return digest(engine(), repr(config), str(strict), source_date(), tree_signature(list(theme_dirs)))


def signature(fixed: str, content: dict[str, tuple]) -> str:
    """Everything a build reads, by file metadata: ``settings`` and the ``file_stats`` of docs_dir."""
    return digest(fixed, *(f"{rel}\0{st}" for rel, st in sorted(content.items())))


def stats(site: Path, rels) -> dict[str, list[int]]:
    """Size and mtime of each output file as written (to notice hand edits later)."""
    found = {}
    for rel in rels:
        try:
            st = (site / rel).stat()
        except OSError:
            continue
        found[rel] = [st.st_size, st.st_mtime_ns]
    return found


def _same(site: Path, rel: str, stat: Any) -> bool:
    try:
        st = (site / rel).stat()
    except OSError:
        return False
    return [st.st_size, st.st_mtime_ns] == stat


def still_there(site: Path, manifest: dict[str, Any]) -> dict[str, str]:
    """Output keys of the last build whose files are still in site/ as it wrote them."""
    if manifest.get("site") != str(site) or not isinstance(manifest.get("stats"), dict):
        return {}
    recorded = manifest["stats"]
    return {rel: key for rel, key in manifest["outputs"].items() if _same(site, rel, recorded.get(rel))}


def unchanged(site: Path, manifest: dict[str, Any], signature: str) -> bool:
    """The last build's manifest matches the inputs, and its outputs are still in site/ as written."""
    if manifest.get("inputs") != signature or manifest.get("site") != str(site) \
            or not isinstance(manifest.get("stats"), dict):
        return False
    return all(_same(site, rel, stat) for rel, stat in manifest["stats"].items())
