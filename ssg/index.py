"""The persistent message index: an SQLite cache at the data edge.

Per message: commit, class, series, authors, dates and the page data the series,
author and domain pages need; per series its record for revision linking; per
digest its range.  It is rebuildable from the archive at any time and is never
the only copy of anything.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

SCHEMA_VERSION = "5"
"""Bumped when pages change shape, or what the parser finds in old mail, so that an
existing site is digested again from scratch (4: author, domain and digest lists
split by year; 5: follow-up trailers below a reply's diff, trailer names, the
reviewed patch on person pages)."""

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY, commit_id TEXT NOT NULL, class TEXT NOT NULL,
    series_id TEXT NOT NULL DEFAULT '', digest TEXT NOT NULL, date INTEGER NOT NULL,
    thread_root TEXT NOT NULL DEFAULT '', author_key TEXT NOT NULL DEFAULT '',
    sender_key TEXT NOT NULL DEFAULT '', author_name TEXT NOT NULL DEFAULT '',
    author_email TEXT NOT NULL DEFAULT '', author_domain TEXT NOT NULL DEFAULT '', data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_series ON messages(series_id);
CREATE INDEX IF NOT EXISTS messages_root ON messages(thread_root);
DROP INDEX IF EXISTS messages_author;
CREATE INDEX IF NOT EXISTS messages_people ON messages(author_key, author_name, author_email, author_domain, class);
CREATE INDEX IF NOT EXISTS messages_digest ON messages(digest);
CREATE INDEX IF NOT EXISTS messages_domain ON messages(author_domain);
CREATE TABLE IF NOT EXISTS series (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, digest TEXT NOT NULL, title_key TEXT NOT NULL,
    change_id TEXT NOT NULL, submitter_key TEXT NOT NULL, date INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS series_title ON series(title_key);
CREATE INDEX IF NOT EXISTS series_change ON series(change_id);
CREATE INDEX IF NOT EXISTS series_submitter ON series(submitter_key);
CREATE INDEX IF NOT EXISTS series_previous ON series(json_extract(data, '$.previous'));
CREATE TABLE IF NOT EXISTS series_digests (series_id TEXT NOT NULL, digest TEXT NOT NULL,
    PRIMARY KEY (series_id, digest));
CREATE TABLE IF NOT EXISTS reviews (
    message_id TEXT NOT NULL, target TEXT NOT NULL, tag TEXT NOT NULL, reviewer_key TEXT NOT NULL,
    series_id TEXT NOT NULL, digest TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (message_id, tag, reviewer_key));
CREATE INDEX IF NOT EXISTS reviews_reviewer ON reviews(reviewer_key);
CREATE TABLE IF NOT EXISTS deleted (message_id TEXT PRIMARY KEY, commit_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS digests (
    path TEXT PRIMARY KEY, from_commit TEXT NOT NULL, to_commit TEXT NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, draft INTEGER NOT NULL, data TEXT NOT NULL);
"""


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class Index:
    """A handle on the SQLite index.  Use as a context manager."""

    def __init__(self, path: Path, inputs: str | None = None) -> None:
        """Open the index at ``path``, made anew when absent, unreadable or of another
        schema, or (given ``inputs``, a fingerprint of what the pages were made with
        besides the mail) when it was filled with other inputs: ``renewed`` says so.

        A new index is filled with SQLite's rollback journal (a first build's one big
        transaction is then written once, not once to the WAL and again into the file)
        and switched to WAL when closed; every later handle finds it in WAL mode, which
        lets readers in other processes work beside a writer."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = self._open(path)
        version = self._schema_version()
        self.renewed = version == SCHEMA_VERSION and inputs is not None and self.get_meta("inputs") != inputs
        if version not in ("", SCHEMA_VERSION) or self.renewed:
            self.db.close()
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                stale.unlink(missing_ok=True)
            self.db = self._open(path)
            version = ""
        self._new = version == ""
        if not self._new:
            self.db.execute("PRAGMA journal_mode=WAL")  # (a no-op once it is)
        self.db.executescript(_TABLES)
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        if inputs is not None:
            self.set_meta("inputs", inputs)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(str(path), isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA synchronous=OFF")  # a rebuildable cache: speed over durability
        except sqlite3.DatabaseError:  # not a database: ``_schema_version`` says "?", it is made anew
            pass
        return db

    @classmethod
    def reader(cls, path: Path) -> Index:
        """A read-only handle on an existing index (e.g. in a worker process)."""
        self = cls.__new__(cls)
        self.path = path
        self.db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        return self

    def _schema_version(self) -> str:
        """The schema the file was written with; "" for a new (empty) file, "?" for one
        SQLite cannot read."""
        try:
            if self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone() is None:
                return "" if self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0 else "?"
            row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError:
            return "?"
        return row[0] if row else ""

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "_new", False):  # (a reader has none)
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.Error:  # busy or read-only: the next handle switches it
                pass
            self._new = False
        self.db.close()

    @contextmanager
    def transaction(self, keep: bool = True) -> Iterator[None]:
        """All or nothing; with ``keep=False`` the changes are rolled back at the end
        (a dry run that still lets later reads in the transaction see them)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT" if keep else "ROLLBACK")
        except BaseException:
            if self.db.in_transaction:  # (SQLite ends it itself on some errors: a full disk)
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the error that got here says more
            raise

    def reset(self) -> None:
        """Forget everything (a rebuild from the archive follows)."""
        for table in ("messages", "series", "series_digests", "reviews", "digests", "deleted"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.execute("DELETE FROM meta WHERE key != 'schema'")

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else ""

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- writing --------------------------------------------------------------
    def put_messages(self, rows: Iterable[dict[str, Any]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO messages VALUES (:message_id, :commit, :class, :series_id, :digest,"
            " :date, :thread_root, :author_key, :sender_key, :author_name, :author_email, :author_domain, :data)",
            ({**r, "data": dumps(r["data"])} for r in rows))

    def put_series(self, rows: Iterable[dict[str, Any]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO series VALUES (:id, :path, :digest, :title_key, :change_id,"
            " :submitter_key, :date, :data)", ({**r, "data": dumps(r["data"])} for r in rows))

    def link_series_digest(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO series_digests VALUES (?, ?)", pairs)

    def put_reviews(self, rows: Iterable[dict[str, Any]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO reviews VALUES (:message_id, :target, :tag, :reviewer_key,"
            " :series_id, :digest, :data)", ({**r, "data": dumps(r["data"])} for r in rows))

    def put_digest(self, row: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO digests VALUES (:path, :from_commit, :to_commit, :start, :end,"
            " :draft, :data)", {**row, "data": dumps(row["data"])})

    def drop_digest(self, path: str) -> None:
        """Remove a digest and everything first recorded for it (a draft being redone)."""
        self.db.execute("DELETE FROM messages WHERE digest=?", (path,))
        self.db.execute("DELETE FROM series WHERE digest=?", (path,))
        self.db.execute("DELETE FROM series_digests WHERE digest=?", (path,))
        self.db.execute("DELETE FROM reviews WHERE digest=?", (path,))
        self.db.execute("DELETE FROM digests WHERE path=?", (path,))

    def mark_deleted(self, deletions: Iterable[tuple[str, str]]) -> None:
        """(message-id, commit) removed by v2 ``d`` commits: pages built later drop them."""
        pairs = list(deletions)
        self.db.executemany("INSERT OR IGNORE INTO deleted VALUES (?, ?)", pairs)
        self.db.executemany("DELETE FROM messages WHERE message_id=?", ((m,) for m, _ in pairs))
        self.db.executemany("DELETE FROM reviews WHERE message_id=?", ((m,) for m, _ in pairs))

    def deleted_among(self, message_ids: Iterable[str]) -> set[str]:
        """Which of these message-ids a ``d`` commit has removed."""
        ids = sorted(set(message_ids))
        out: set[str] = set()
        if not ids or self.db.execute("SELECT 1 FROM deleted LIMIT 1").fetchone() is None:
            return out
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = f"SELECT message_id FROM deleted WHERE message_id IN ({','.join('?' * len(chunk))})"
            out.update(r[0] for r in self.db.execute(q, chunk))
        return out

    # -- reading --------------------------------------------------------------
    @staticmethod
    def _row(row: sqlite3.Row) -> dict[str, Any]:
        out = dict(row)
        out["data"] = json.loads(out["data"])
        return out

    def rows(self, query: str, params: tuple = ()) -> Iterator[dict[str, Any]]:
        """Rows of a read-only query, with ``data`` decoded."""
        for r in self.db.execute(query, params):
            yield self._row(r)

    _COLUMNS = {
        "messages": ("message_id", "series_id", "thread_root", "author_key", "sender_key", "digest"),
        "series": ("id", "title_key", "change_id", "submitter_key", "digest"),
        "reviews": ("reviewer_key", "series_id", "target", "message_id"),
    }
    _ORDER = {"messages": ("date", "message_id"), "series": ("date", "id"),
              "reviews": ("message_id", "tag", "reviewer_key")}

    def _where(self, table: str, column: str, values: Iterable[str],
               fields: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Rows of ``table`` whose ``column`` is one of ``values``, in a stable order.
        With ``fields``, ``data`` holds only those top-level fields (missing ones
        as None), picked out by SQLite instead of decoding the whole document."""
        assert column in self._COLUMNS[table]
        if fields is None:
            select, convert = "*", self._row
        else:
            assert all(f.isidentifier() for f in fields)
            picked = ", ".join(f"json_extract(data, '$.{f}')" for f in fields)
            select = self._PLAIN[table] + (f", json_array({picked})" if fields else "")
            names = tuple(f.strip() for f in self._PLAIN[table].split(","))
            plain = len(names)

            def convert(r: sqlite3.Row) -> dict[str, Any]:
                out = dict(zip(names, r))
                out["data"] = dict(zip(fields, json.loads(r[plain]))) if fields else {}
                return out
        out = [convert(r) for r in self._each_in(f"SELECT {select} FROM {table} WHERE {column} IN (%s)", values,
                                                 tuples=False)]
        order = self._ORDER[table]
        out.sort(key=lambda r: tuple(r[k] for k in order))
        return out

    _PLAIN = {"messages": "message_id, commit_id, class, series_id, digest, date, thread_root, author_key,"
                          " sender_key, author_name, author_email, author_domain",
              "series": "id, path, digest, title_key, change_id, submitter_key, date",
              "reviews": "message_id, target, tag, reviewer_key, series_id, digest"}

    def messages_where(self, column: str, values: Iterable[str],
                       fields: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Message rows; ``fields`` names the ``data`` fields wanted (default: all)."""
        return self._where("messages", column, values, fields)

    def message_tuples(self, column: str, values: Iterable[str], fields: tuple[str, ...]) -> list[tuple]:
        """``(message_id, series_id, class, thread_root, date, *fields)`` of the
        messages whose ``column`` is one of ``values``, ordered as ``messages_where``;
        the ``data`` fields (scalars) as SQLite's ``json_extract`` gives them, no
        JSON decoded in Python (the look-back of every range asks for many)."""
        assert column in self._COLUMNS["messages"] and all(f.isidentifier() for f in fields)
        picked = "".join(f", json_extract(data, '$.{f}')" for f in fields)
        out = list(self._each_in(f"SELECT message_id, series_id, class, thread_root, date{picked} FROM messages"
                                 f" WHERE {column} IN (%s)", values))
        out.sort(key=lambda r: (r[4], r[0]))
        return out

    def _each_in(self, query: str, values: Iterable[str], *, tuples: bool = True) -> Iterator[Any]:
        """The rows of ``query``, whose ``IN (%s)`` is filled with the distinct non-empty
        ``values``, 500 at a time; plain tuples unless ``tuples`` is False."""
        wanted = sorted(set(v for v in values if v))
        cur = self.db.cursor()
        if tuples:
            cur.row_factory = None
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            yield from cur.execute(query % ",".join("?" * len(chunk)), chunk)

    def tuples(self, query: str, params: tuple = ()) -> list[tuple]:
        """The rows of a read-only query, as plain tuples (no JSON decoded)."""
        cur = self.db.cursor()
        cur.row_factory = None  # plain tuples
        return cur.execute(query, params).fetchall()

    def series_where(self, column: str, values: Iterable[str],
                     fields: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Series rows; ``fields`` names the ``data`` fields wanted (default: all)."""
        return self._where("series", column, values, fields)

    def series_listing(self, column: str, values: Iterable[str]) -> list[tuple]:
        """``(id, path, digest, date, submitter_key, [title, version, expected,
        submitter], patch count)`` of the series whose ``column`` is one of
        ``values``, ordered by date and id: what a person's or domain's page lists,
        picked out by SQLite (the small list decoded here, not the whole row)."""
        assert column in self._COLUMNS["series"]
        q = ("SELECT id, path, digest, date, submitter_key, json_extract(data, '$.title', '$.version',"
             f" '$.expected', '$.submitter'), json_array_length(data, '$.patches') FROM series WHERE {column} IN (%s)")
        out = [(*r[:5], json.loads(r[5]), r[6]) for r in self._each_in(q, values)]
        out.sort(key=lambda r: (r[3], r[0]))
        return out

    def reviews_where(self, column: str, values: Iterable[str]) -> list[dict[str, Any]]:
        return self._where("reviews", column, values)

    def series_digests(self, series_ids: Iterable[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for sid in sorted(set(series_ids)):
            rows = self.db.execute("SELECT digest FROM series_digests WHERE series_id=? ORDER BY digest", (sid,))
            out[sid] = [r[0] for r in rows]
        return out

    def digest(self, path: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM digests WHERE path=?", (path,)).fetchone()
        return self._row(row) if row else None

    def all_series_digests(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for sid, digest in self.db.execute("SELECT series_id, digest FROM series_digests ORDER BY series_id, digest"):
            out.setdefault(sid, []).append(digest)
        return out

    def digest_paths(self) -> list[str]:
        """The content path of every digest (no row decoded)."""
        return [r[0] for r in self.db.execute("SELECT path FROM digests ORDER BY start, path")]

    def digests(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM digests ORDER BY start, path")
        return [self._row(r) for r in rows]

    def all_series(self) -> list[dict[str, Any]]:
        return [self._row(r) for r in self.db.execute("SELECT * FROM series ORDER BY date, id")]

    def series_paths(self) -> list[str]:
        """The page path of every series (no row decoded)."""
        return [r[0] for r in self.db.execute("SELECT path FROM series ORDER BY path")]

    def version_facts(self, ids: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """Series id → (previous version's id, version, page path), for the ids that exist
        (picked out by SQLite: no row decoded)."""
        q = ("SELECT id, json_extract(data, '$.previous'), json_extract(data, '$.version'), path FROM series"
             " WHERE id IN (%s)")
        return {sid: (prev or "", version, path) for sid, prev, version, path in self._each_in(q, ids)}

    def next_versions(self, ids: Iterable[str]) -> dict[str, str]:
        """Series id → the earliest series (by date, then id) naming it as its previous
        version, for the ids some series names (through the index on ``previous``: no
        row decoded)."""
        q = ("SELECT json_extract(data, '$.previous') AS prev, id FROM series WHERE prev IN (%s)"
             " ORDER BY date DESC, id DESC")
        return dict(self._each_in(q, ids))  # (each id's earliest comes last, and stays)
