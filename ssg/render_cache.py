"""The persistent render cache under ``cache_dir/render/``: parsed pages and the last build's manifest.

- ``pages/<key>.page``: the facts ``pages.parse_text`` made of one page text (the
  body last, read only when the page is rendered again), keyed by a
  hash of that text and the engine (ssg's render code, markdown-it, its plugins,
  Pygments, PyYAML).  An entry carries its key and a checksum; one that does not
  verify, does not decode or has the wrong shape is a miss, never an error.
- ``manifest.json``: what the last ``build`` wrote (output path → output key, the
  input signature, the problems), so the next build can reuse unchanged output
  files from the old site and a build with nothing changed can stop early.
``PageStore`` is the renderer's way in: memo, then cache, then markdown-it.
Everything here can be deleted at any time.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import sys
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from ssg.errors import RenderError

FORMAT = b"ssg-render-1"
_CODE = ("pages.py", "md_rules.py", "render.py", "render_cache.py", "lexers.py", "theme.py", "feeds.py", "__init__.py")
_LIBS = ("markdown_it", "mdit_py_plugins", "pygments", "yaml", "jinja2", "markupsafe", "mdurl")


def digest(*parts: str | bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def engine() -> str:
    """Fingerprint of everything that turns a page text into HTML (code and library versions)."""
    here = Path(__file__).resolve().parent
    parts: list[str | bytes] = [FORMAT, sys.version]
    for name in _CODE:
        try:
            parts.append((here / name).read_bytes())
        except OSError:
            parts.append(name)
    from importlib.util import find_spec
    homes = set()
    for lib in _LIBS:  # the installed distributions next to each library (names carry versions)
        spec = find_spec(lib)
        homes.add(Path(spec.origin).parent.parent if spec and spec.origin else Path(lib))
    for home in sorted(homes):
        try:
            parts += [str(home), *sorted(n for n in os.listdir(home) if n.endswith((".dist-info", ".egg-info")))]
        except OSError:
            parts.append(str(home))
    return digest(*parts)


def text_key(text: str) -> str:
    return digest(engine(), text)


def _jsonable(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, list):
        return all(_jsonable(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _jsonable(v) for k, v in value.items())
    return False


def _valid(facts: Any) -> bool:
    """The shape ``pages.page_of`` needs (a stale or foreign entry is a miss)."""
    try:
        return (isinstance(facts["meta"], dict) and "parts" not in facts
                and all(isinstance(h, str) for h in facts["hrefs"])
                and all(len(p) == 3 for p in facts["problems"]) and all(len(x) == 2 for x in facts["links"])
                and all(isinstance(a, str) for a in facts["anchors"]) and isinstance(facts["toc"], list))
    except (KeyError, TypeError):
        return False


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _seal(payload: bytes) -> bytes:
    return FORMAT + b" " + digest(payload).encode() + b"\n" + payload


def _unseal(data: bytes) -> bytes | None:
    head, _, payload = data.partition(b"\n")
    if head != FORMAT + b" " + digest(payload).encode():
        return None
    return payload


class PageCache:
    """Parsed page facts by text key; ``root=None`` disables it.

    One file per page text: a header line (format, length and checksum of the facts,
    checksum of the body), the facts as JSON (naming their key), then the body.
    Files are written in place, not renamed: a reader that sees a half-written
    file fails the checksum and parses the page itself.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.hits = 0
        self.misses = 0
        self._made: set[Path] = set()

    def _path(self, key: str) -> Path:
        return self.root / "pages" / key[:2] / f"{key}.page"

    def has(self, key: str) -> bool:
        """Whether an entry exists (it may still turn out corrupt)."""
        return self.root is not None and self._path(key).is_file()

    def _sections(self, key: str) -> tuple[bytes, bytes, bytes, bytes] | None:
        """(facts, their checksum, body, its checksum) of an entry, not yet verified."""
        head, _, rest = self._path(key).read_bytes().partition(b"\n")
        fields = head.split(b" ")
        if len(fields) != 4 or fields[0] != FORMAT or not fields[1].isdigit():
            return None
        size = int(fields[1])
        return rest[:size], fields[2], rest[size:], fields[3]

    def get(self, key: str) -> dict[str, Any] | None:
        """The facts of a page text without its body (``parts``), or None."""
        if self.root is None:
            return None
        try:
            found = self._sections(key)
            ok = found is not None and digest(found[0]).encode() == found[1]
            entry = json.loads(found[0]) if ok else None
        except (OSError, ValueError):
            entry = None
        if not isinstance(entry, dict) or entry.get("key") != key or not _valid(entry.get("facts")):
            self.misses += 1
            return None
        self.hits += 1
        return entry["facts"]

    def body(self, key: str, holes: int) -> list[str] | None:
        """The rendered body of a page text, split at its ``holes`` link targets, or None."""
        if self.root is None:
            return None
        try:
            found = self._sections(key)
            ok = found is not None and digest(found[2]).encode() == found[3] \
                and found[0].startswith(b'{"key":"' + key.encode() + b'"')
            parts = found[2].decode("utf-8", "surrogatepass").split("\0") if ok else None
        except (OSError, UnicodeError):
            return None
        return parts if parts is not None and len(parts) == holes + 1 else None

    @staticmethod
    def encode(key: str, facts: dict[str, Any]) -> bytes:
        """The bytes of an entry (``facts`` with ``parts``)."""
        light = {k: v for k, v in facts.items() if k != "parts"}
        payload = json.dumps({"key": key, "facts": light}, ensure_ascii=False,
                             separators=(",", ":")).encode("utf-8", "surrogatepass")
        body = "\0".join(facts.get("parts", ())).encode("utf-8", "surrogatepass")
        head = b" ".join((FORMAT, str(len(payload)).encode(), digest(payload).encode(), digest(body).encode()))
        return head + b"\n" + payload + body

    def put(self, key: str, facts: dict[str, Any]) -> None:
        if self.root is None or not _jsonable(facts["meta"]):
            return
        try:
            data = self.encode(key, facts)
            path = self._path(key)
            if path.parent not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(path.parent)
            path.write_bytes(data)
        except (OSError, TypeError, ValueError, UnicodeError):
            pass  # a cache that cannot be written is only slower

    def prune(self, keep: set[str]) -> None:
        """Remove entries no page uses any more (after a full pass)."""
        if self.root is None or not (self.root / "pages").is_dir():
            return
        for sub in (self.root / "pages").iterdir():
            for entry in sub.iterdir() if sub.is_dir() else ():
                if entry.name.split(".")[0] not in keep:
                    entry.unlink(missing_ok=True)


BODIES = 64
"""Rendered page bodies kept in memory besides the cache (identical pages reuse them)."""


class PageStore:
    """Page facts for one renderer: this pass's memo, else the persistent cache, else markdown-it."""

    def __init__(self, root: Path | None, docs: Path) -> None:
        from ssg import pages
        self.pagelib = pages
        self.md = pages.make_markdown()
        self.cache = PageCache(root)
        self.docs = docs
        self.memo: dict[str, dict[str, Any]] = {}
        """Text key → page facts without the body (identical texts are parsed once per pass)."""
        self.bodies: dict[str, Any] = {}
        """The last ``BODIES`` bodies by text key."""
        self.texts: dict[str, str] = {}
        """Texts read ahead by a full pass, taken by ``parse``."""

    def read(self, src: str, path: Path) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise RenderError(f"not UTF-8: {exc.reason}", location=src) from None

    def parse(self, src: str, path: Path, *, fresh: bool = False):
        """One page (``pages.Page``); its body is left out when it came from the cache."""
        text = self.texts.pop(src, None)
        text = self.read(src, path) if text is None else text
        key = text_key(text)
        facts = None if fresh else (self.memo.get(key) or self.cache.get(key))
        if facts is not None:
            try:
                page = self.pagelib.page_of(src, facts, key)
                self.memo[key] = facts
                return page
            except Exception:  # a cache entry that does not fit is ignored
                pass
        facts = self.pagelib.parse_text(self.md, text)
        self.cache.put(key, facts)
        self.keep(key, facts["parts"])
        self.memo[key] = {k: v for k, v in facts.items() if k != "parts"}  # bodies are kept apart, few
        return self.pagelib.page_of(src, facts, key)

    def keep(self, key: str, parts) -> None:
        """Remember a body among the last few (identical pages render one after the other)."""
        self.bodies.pop(key, None)
        self.bodies[key] = parts
        while len(self.bodies) > BODIES:
            del self.bodies[next(iter(self.bodies))]

    def parts(self, page) -> tuple[str, ...]:
        """A page's body (``parts``): the cache and worker processes leave it out of the page facts."""
        parts = page.parts or self.bodies.get(page.key) or self.cache.body(page.key, len(page.hrefs))
        if parts is None:  # not cached (or corrupt): parse the text again
            again = self.parse(page.src, self.docs / page.src, fresh=True)
            if again.key != page.key:
                raise RenderError("changed while the site was rendered; build again", location=page.src)
            parts = again.parts
        elif parts is not page.parts:
            self.keep(page.key, parts)
        return tuple(parts)


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


def read_state(root: Path | None) -> dict[str, Any] | None:
    """The last build's renderer state, or None when absent, corrupt or from another engine."""
    if root is None:
        return None
    try:
        payload = _unseal((root / STATE).read_bytes())
        with _no_gc():  # unpickling makes ~10^5 containers: collections would triple the time
            snapshot = pickle.loads(payload) if payload is not None else None
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


def signature(config, strict: bool, theme_dirs, content: dict[str, tuple] | None = None,
              fixed: str | None = None) -> str:
    """Everything a build reads, by file metadata (``content``: ``file_stats`` of docs_dir and
    ``fixed``: ``settings``, when already taken)."""
    if content is None:
        content = file_stats(config.path(config.docs_dir).resolve())
    fixed = settings(config, strict, theme_dirs) if fixed is None else fixed
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
