"""Index.message_tuples gives what messages_where gives, as plain tuples."""

from __future__ import annotations

from ssg.index import Index


def _row(mid: str, root: str, date: int, data: dict) -> dict:
    return {"message_id": mid, "commit": "c", "class": "patch", "series_id": "s" + root, "digest": "d.md",
            "date": date, "thread_root": root, "author_key": "", "sender_key": "", "author_name": "",
            "author_email": "", "author_domain": "", "data": data}


def test_message_tuples_match_messages_where(tmp_path):
    fields = ("version", "expected", "sender_id", "index", "missing")
    with Index(tmp_path / "i.sqlite3") as idx:
        idx.put_messages([
            _row("b@x", "r1", 20, {"version": "2", "expected": 3, "sender_id": "ada@x", "index": 1, "text": "é"}),
            _row("a@x", "r1", 20, {"version": "10", "expected": None, "sender_id": "", "index": 0}),
            _row("c@x", "r2", 5, {"version": "1.5", "index": None}),
            _row("d@x", "r3", 1, {})])
        for column, values in (("thread_root", ["r1", "r2", "nope"]), ("message_id", ["d@x", "b@x", ""])):
            want = [(r["message_id"], r["series_id"], r["class"], r["thread_root"], r["date"],
                     *(r["data"][f] for f in fields)) for r in idx.messages_where(column, values, fields)]
            got = idx.message_tuples(column, values, fields)
            assert got == want and all(type(t) is tuple for t in got)
        assert [t[0] for t in idx.message_tuples("thread_root", ["r1", "r2"], ())] == ["c@x", "a@x", "b@x"]


def _mode(path) -> bytes:
    """The file header's write/read versions: 1 = rollback journal, 2 = WAL."""
    return path.read_bytes()[18:20]


def test_a_new_index_is_left_in_wal_mode_and_a_garbage_one_is_made_anew(tmp_path):
    """A new index is filled with the rollback journal and switched to WAL when closed, so
    the next run does not pay the switch; before, the fresh file was reopened without WAL
    (and without ``synchronous=OFF``).  A file that is not a database is rebuilt, not a
    traceback."""
    import sqlite3

    path = tmp_path / "index.sqlite3"
    with Index(path) as idx:
        idx.set_meta("k", "v")
    assert _mode(path) == b"\x02\x02"
    with Index(path) as idx:
        assert idx.get_meta("k") == "v" and idx.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert idx.db.execute("PRAGMA synchronous").fetchone()[0] == 0
    path.write_bytes(b"not a database " * 100)
    with Index(path) as idx:
        assert idx.get_meta("k") == "" and idx.db.execute("PRAGMA synchronous").fetchone()[0] == 0
        idx.set_meta("k", "again")
    assert _mode(path) == b"\x02\x02"
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='0' WHERE key='schema'")  # another schema: made anew
    db.commit()
    db.close()
    with Index(path) as idx:
        assert idx.get_meta("k") == ""
    assert _mode(path) == b"\x02\x02"


def test_other_inputs_make_the_index_anew_and_a_plain_handle_never_does(tmp_path):
    path = tmp_path / "i.sqlite3"
    with Index(path, "people-1") as idx:
        assert not idx.renewed
        idx.set_meta("k", "v")
    with Index(path, "people-1") as idx:  # the same inputs: kept
        assert not idx.renewed and idx.get_meta("k") == "v"
    with Index(path) as idx:  # a handle that does not say (a test, a tool): kept
        assert not idx.renewed and idx.get_meta("k") == "v"
    with Index(path, "people-2") as idx:  # another mailmap or organisation map: made anew
        assert idx.renewed and idx.get_meta("k") == "" and idx.get_meta("inputs") == "people-2"
    with Index(path, "people-2") as idx:
        assert not idx.renewed


def _series(sid: str, date: int, submitter: str, previous: str = "", **data) -> dict:
    return {"id": sid, "path": f"series/{sid}.md", "digest": "d.md", "title_key": sid, "change_id": "",
            "submitter_key": submitter, "date": date,
            "data": {"title": f"T {sid}", "version": "2", "expected": 3, "submitter": ["Ada", submitter],
                     "patches": [{"index": 1}, {"index": 2}], "previous": previous, **data}}


def test_series_listing_and_versions_read_what_the_rows_hold(tmp_path):
    """Person and domain pages list series from ``series_listing`` (a few fields picked
    out by SQLite), and versions are followed through ``version_facts`` and
    ``next_versions`` (an index on ``previous``), instead of decoding every series row
    of the archive; ``Pages.preload`` (a big run) keeps the same facts from one pass."""
    from ssg.assemble import Pages
    from ssg.config import Config
    from ssg.identity import Identities

    with Index(tmp_path / "i.sqlite3") as idx:
        idx.put_series([_series("b", 30, "ada@x", previous="a"), _series("a", 10, "ada@x"),
                        _series("c", 20, "bo@y", previous="a", title="Ünïcode \"q\""),
                        _series("d", 20, "bo@y", expected=None, patches=[]), _series("e", 40, "bo@y", previous="c")])
        every = ["a", "b", "c", "d", "e", "zz"]
        want = [(r["id"], r["path"], r["digest"], r["date"], r["submitter_key"],
                 [r["data"][f] for f in ("title", "version", "expected", "submitter")], len(r["data"]["patches"]))
                for r in idx.series_where("id", every)]
        assert idx.series_listing("id", ["d", "c", "b", "a", "e", "zz", ""]) == want
        assert [r[0] for r in want] == ["a", "c", "d", "b", "e"]  # by date, then id
        assert want[1][5][0] == "Ünïcode \"q\"" and want[2][5][2] is None and want[2][6] == 0
        assert [r[0] for r in idx.series_listing("submitter_key", ["bo@y"])] == ["c", "d", "e"]
        assert idx.next_versions(["a", "c", "b", "", "zz"]) == {"a": "c", "c": "e"}  # a: the earlier of c and b
        assert idx.version_facts(["b", "a", "zz"]) == {"a": ("", "2", "series/a.md"), "b": ("a", "2", "series/b.md")}
        assert idx.series_paths() == [f"series/{x}.md" for x in "abcde"]
        plan = idx.db.execute("EXPLAIN QUERY PLAN SELECT json_extract(data, '$.previous') AS prev FROM series"
                              " WHERE prev IN (?)", ("a",)).fetchall()
        assert "series_previous" in str([tuple(r) for r in plan])

        by_id, whole = Pages(Config(), idx, Identities()), Pages(Config(), idx, Identities())
        whole.preload()
        for pages in (by_id, whole):
            assert [v for v, _, _ in pages.versions("b")] == ["a", "b"]
            assert [v for v, _, _ in pages.versions("a")] == ["a", "c", "e"]
            assert [v for v, _, _ in pages.versions("e")] == ["a", "c", "e"]
        assert by_id.series(every) == whole.series(every) and by_id.listed(every) == whole.listed(every)
        assert by_id.version_facts(every) == whole.version_facts(every)
        assert by_id.next_versions(every) == whole.next_versions(every)


def test_an_index_of_the_older_layout_gains_the_new_indexes(tmp_path):
    """An index written before ``messages_people`` and ``series_previous`` existed is
    kept (same schema) and given them when opened for writing."""
    import sqlite3

    path = tmp_path / "i.sqlite3"
    with Index(path) as idx:
        idx.put_messages([_row("a@x", "r", 1, {})])
        idx.db.execute("DROP INDEX messages_people")
        idx.db.execute("DROP INDEX series_previous")
        idx.db.execute("CREATE INDEX messages_author ON messages(author_key)")
    with Index(path) as idx:
        names = {r[0] for r in idx.db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"messages_people", "series_previous"} <= names and "messages_author" not in names
        assert [r["message_id"] for r in idx.messages_where("thread_root", ["r"])] == ["a@x"]
    assert sqlite3.connect(path).execute("SELECT count(*) FROM messages").fetchone()[0] == 1
