"""The persistent render cache under ``cache_dir/render/``: parsed pages, keyed by text and engine.

- ``pages.sqlite3``: the facts ``pages.parse_text`` made of each page text (the
  body last, read only when the page is rendered again), keyed by a
  hash of that text and the engine (ssg's render code, markdown-it, its plugins,
  Pygments, PyYAML).  An entry carries its key and a checksum; one that does not
  verify, does not decode or has the wrong shape is a miss, never an error.
- the last build's manifest and renderer snapshot live beside it (``render_state``).
``PageStore`` is the renderer's way in: memo, then cache, then markdown-it.
Everything here can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import sys
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ssg.errors import RenderError

FORMAT = b"ssg-render-2"
_CODE = ("pages.py", "pages_links.py", "md_pipeline.py", "front_yaml.py", "md_rules.py", "md_native.py", "md_guard.py",
         "render.py", "render_update.py", "render_cache.py", "render_state.py", "render_extras.py", "lexers.py",
         "theme.py", "feeds.py", "__init__.py")
_LIBS = ("markdown_it", "markdown_it_pyrs", "mdit_py_plugins", "pygments", "yaml", "jinja2", "markupsafe", "mdurl")
_DISTS = frozenset({"markdown_it_py", "markdown_it_pyrs", "mdit_py_plugins", "pygments", "pyyaml", "jinja2",
                    "markupsafe", "mdurl"})
"""The distributions of ``_LIBS``, as their metadata folders are named (lower case, ``_``)."""


def digest(*parts: str | bytes) -> str:
    """Strong hash of the parts, each followed by NUL (keys: a collision would show the wrong page).

    SHA-256 cut to 128 bits: as strong for keys as the BLAKE2b-128 used before, and about
    twice as fast where the CPU has SHA instructions (a full build hashes ~200 MB)."""
    h = hashlib.sha256()
    if parts and all(type(p) is str for p in parts):  # one encode and one update (output keys have many)
        h.update(("\0".join(parts) + "\0").encode("utf-8", "surrogatepass"))
        return h.hexdigest()[:32]
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:32]


def check(data: bytes) -> bytes:
    """Checksum that tells a damaged or truncated entry (CRC-32: a fifth of blake2b's time; the
    cache is not a secret, so a keyed or stronger hash would stop nobody who can write it)."""
    return b"%08x" % zlib.crc32(data)


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
        parts += [str(home), *library_metadata(home)]
    return digest(*parts)


def library_metadata(home: Path) -> list[str]:
    """The metadata folders of ``_DISTS`` in ``home`` (their names carry the versions); only
    those, so that installing anything else beside them does not re-render every page."""
    try:
        names = os.listdir(home)
    except OSError:
        return []
    return sorted(n for n in names if n.endswith((".dist-info", ".egg-info"))
                  and n.split("-", 1)[0].lower().replace(".", "_") in _DISTS)


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


def write_atomic(path: Path, *parts: bytes) -> None:
    """Write the parts one after the other to a new file, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        for part in parts:
            f.write(part)
    os.replace(tmp, path)


def _head(payload: bytes) -> bytes:
    return FORMAT + b" " + check(payload) + b"\n"


def write_sealed(path: Path, payload: bytes) -> None:
    """Write ``payload`` under its seal (format and checksum, checked by ``_unseal``), the
    two written one after the other: no second copy of a large payload in memory."""
    write_atomic(path, _head(payload), payload)


def _unseal(data) -> memoryview | None:
    """The payload of sealed ``data`` (any buffer: bytes, mmap), as a view of it (a large
    payload is not copied), or None when the seal does not verify."""
    end = data.find(b"\n")
    payload = memoryview(data)[end + 1:]
    if end < 0 or data[:end] != FORMAT + b" " + check(payload):
        payload.release()
        return None
    return payload


_INHERITED: list[sqlite3.Connection] = []
"""Connections a forked process got from its parent, kept so they are never closed in it."""


class PageCache:
    """Parsed page facts by text key; ``root=None`` disables it.

    One SQLite file (``pages.sqlite3``, WAL) holds an entry per page text: a header
    line (format, length and checksum of the facts, checksum of the body), the facts
    as JSON (naming their key), then the body.  Entries are written in batches of a
    transaction (``flush``; readers of this process see the pending ones), so a full
    build creates one file, not one per page: creating thousands of files is
    much of a build's system time.  Every process opens its own connection (forked
    workers never use their parent's).  An entry that does not verify, decode or fit
    is a miss, and a database that cannot be opened or read is an empty cache,
    never an error.
    """

    FILE = "pages.sqlite3"
    BATCH = 64
    BATCH_BYTES = 4 << 20

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.hits = 0
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._broken = False
        self._pending: dict[str, bytes] = {}
        self._pending_bytes = 0

    def _conn(self) -> sqlite3.Connection | None:
        if self.root is None or self._broken:
            return None
        if self._db is not None and self._pid == os.getpid():
            return self._db
        if self._db is not None:  # a parent's, inherited through fork: never used, never closed here
            _INHERITED.append(self._db)  # (closing it could checkpoint and remove the parent's WAL)
        self._db, self._pid = None, os.getpid()
        for attempt in (1, 2):
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.root / self.FILE, timeout=60, isolation_level=None,
                                     check_same_thread=False)
                db.execute("pragma journal_mode=wal")
                db.execute("pragma synchronous=normal")
                db.execute("create table if not exists page (key text primary key, data blob not null)")
                self._db = db
                return db
            except sqlite3.OperationalError:  # cannot open, locked for long: go without
                break
            except sqlite3.DatabaseError:  # not a database (damaged, foreign): it is only a cache
                if attempt == 1 and not self._remove():
                    break
            except OSError:
                break
        self._broken = True
        return None

    def _remove(self) -> bool:
        """Delete a damaged database (the next connection starts an empty one)."""
        if self._db is not None:
            self._db.close()
        self._db = None
        try:
            for suffix in ("", "-wal", "-shm"):
                (self.root / (self.FILE + suffix)).unlink(missing_ok=True)
        except OSError:
            return False
        return True

    def _failed(self, exc: sqlite3.Error) -> None:
        """A read or write failed: a damaged database is removed, anything else only costs speed."""
        if not isinstance(exc, sqlite3.OperationalError) and isinstance(exc, sqlite3.DatabaseError):
            self._remove()

    def _entry(self, key: str) -> bytes | None:
        if key in self._pending:
            return self._pending[key]
        db = self._conn()
        if db is None:
            return None
        try:
            row = db.execute("select data from page where key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        return bytes(row[0]) if row and isinstance(row[0], bytes) else None

    def known(self, keys: set[str] | None = None) -> set[str]:
        """Which of ``keys`` (default: all) have an entry (that may still turn out corrupt), in one query."""
        every = self._pending.keys() | self._keys()
        return every if keys is None else keys & every

    def has(self, key: str) -> bool:
        """Whether ``key`` has an entry (that may still turn out corrupt): one lookup, where
        ``known()`` reads every key (~16 ms on the real archive's cache)."""
        if key in self._pending:
            return True
        db = self._conn()
        try:
            return db is not None and db.execute("select 1 from page where key = ?", (key,)).fetchone() is not None
        except sqlite3.Error as exc:
            self._failed(exc)
            return False

    def _sections(self, key: str) -> tuple[bytes, bytes, bytes, bytes] | None:
        """(facts, their checksum, body, its checksum) of an entry, not yet verified."""
        data = self._entry(key)
        if data is None:
            return None
        head, _, rest = data.partition(b"\n")
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
            ok = found is not None and check(found[0]) == found[1]
            entry = json.loads(found[0]) if ok else None
        except ValueError:
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
            ok = found is not None and check(found[2]) == found[3] \
                and found[0].startswith(b'{"key":"' + key.encode() + b'"')
            parts = found[2].decode("utf-8", "surrogatepass").split("\0") if ok else None
        except UnicodeError:
            return None
        return parts if parts is not None and len(parts) == holes + 1 else None

    @staticmethod
    def encode(key: str, facts: dict[str, Any]) -> bytes:
        """The bytes of an entry (``facts`` with ``parts``)."""
        light = {k: v for k, v in facts.items() if k != "parts"}
        payload = json.dumps({"key": key, "facts": light}, ensure_ascii=False,
                             separators=(",", ":")).encode("utf-8", "surrogatepass")
        body = "\0".join(facts.get("parts", ())).encode("utf-8", "surrogatepass")
        head = b" ".join((FORMAT, str(len(payload)).encode(), check(payload), check(body)))
        return head + b"\n" + payload + body

    def put(self, key: str, facts: dict[str, Any]) -> None:
        if self.root is None or self._broken or not _jsonable(facts["meta"]):
            return
        try:
            data = self.encode(key, facts)
        except (TypeError, ValueError, UnicodeError):
            return  # a page the cache cannot hold is parsed again when needed
        self._pending[key] = data
        self._pending_bytes += len(data)
        if len(self._pending) >= self.BATCH or self._pending_bytes >= self.BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        """Write the pending entries in one transaction (a failure only costs speed)."""
        pending, self._pending, self._pending_bytes = self._pending, {}, 0
        if pending:
            self._write("insert or replace into page (key, data) values (?, ?)", list(pending.items()))

    def prune(self, keep: set[str]) -> None:
        """Remove entries no page uses any more (after a full pass), and the
        one-file-per-page entries of earlier versions."""
        if self.root is None:
            return
        self.flush()
        if (self.root / "pages").is_dir():
            shutil.rmtree(self.root / "pages", ignore_errors=True)
        gone = [(k,) for k in self._keys() - keep]
        if gone:
            self._write("delete from page where key = ?", gone)

    def _keys(self) -> set[str]:
        """Every key stored (not the pending ones); empty when the database cannot be read."""
        db = self._conn()
        try:
            return {k for (k,) in db.execute("select key from page")} if db is not None else set()
        except sqlite3.Error as exc:
            self._failed(exc)
            return set()

    def _write(self, sql: str, rows: list[tuple]) -> None:
        """``sql`` for every row in one transaction; a failure is rolled back and only costs speed."""
        db = self._conn()
        if db is None:
            return
        try:
            db.execute("begin immediate")
            db.executemany(sql, rows)
            db.execute("commit")
        except sqlite3.Error as exc:
            try:
                if db.in_transaction:
                    db.execute("rollback")
            except sqlite3.Error:
                pass
            self._failed(exc)


BODIES = 64
"""Rendered page bodies kept in memory besides the cache (identical pages reuse them)."""


class PageStore:
    """Page facts for one renderer: this pass's memo, else the persistent cache, else markdown-it."""

    def __init__(self, root: Path | None, docs: Path) -> None:
        from ssg import md_pipeline, pages
        self.pagelib = pages
        self.md = md_pipeline.make_markdown()
        self.cache = PageCache(root)
        self.docs = docs
        self.memo: dict[str, dict[str, Any]] = {}
        """Text key → page facts without the body (identical texts are parsed once per pass)."""
        self.bodies: dict[str, Any] = {}
        """The last ``BODIES`` bodies by text key."""
        self.texts: dict[str, str] = {}
        """Texts read ahead by a full pass, taken by ``parse``."""
        self.held: dict[str, Any] = {}
        """Bodies parsed ahead of the pass (``warm(..., hold=True)``) by text key, each taken once."""

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
        facts = self.pagelib.parse_text(self.md, text, native=True)
        self.cache.put(key, facts)
        self.keep(key, facts["parts"])
        self.memo[key] = {k: v for k, v in facts.items() if k != "parts"}  # bodies are kept apart, few
        return self.pagelib.page_of(src, facts, key)

    def warm(self, texts: Iterable[str], *, hold: bool = False) -> int:
        """Parse into the cache each page text it does not hold yet (failing on nothing:
        the renderer parses what is missing): how many.  Nothing is kept in memory,
        unless ``hold``: this store then renders them next, and finds their facts in
        ``memo`` and their bodies in ``held`` instead of reading them back."""
        have: set[str] = set()
        done = 0
        for text in texts:  # (looked up one by one: an update stages a few pages of thousands)
            key = text_key(text)
            if key in have or self.cache.has(key):
                continue
            try:
                facts = self.pagelib.parse_text(self.md, text, native=True)
            except Exception:  # the renderer meets this page again, and reports it
                continue
            self.cache.put(key, facts)
            if hold:
                self.memo[key] = {k: v for k, v in facts.items() if k != "parts"}
                self.held[key] = facts["parts"]
            have.add(key)
            done += 1
        self.cache.flush()
        return done

    def keep(self, key: str, parts) -> None:
        """Remember a body among the last few (identical pages render one after the other)."""
        self.bodies.pop(key, None)
        self.bodies[key] = parts
        while len(self.bodies) > BODIES:
            del self.bodies[next(iter(self.bodies))]

    def parts(self, page) -> tuple[str, ...]:
        """A page's body (``parts``): the cache and worker processes leave it out of the page facts."""
        parts = (page.parts or self.held.pop(page.key, None) or self.bodies.get(page.key)
                 or self.cache.body(page.key, len(page.hrefs)))
        if parts is None:  # not cached (or corrupt): parse the text again
            again = self.parse(page.src, self.docs / page.src, fresh=True)
            if again.key != page.key:
                raise RenderError("changed while the site was rendered; build again", location=page.src)
            parts = again.parts
        elif parts is not page.parts:
            self.keep(page.key, parts)
        return tuple(parts)
