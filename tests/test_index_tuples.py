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
