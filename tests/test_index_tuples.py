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
