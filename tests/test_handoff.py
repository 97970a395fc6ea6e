"""ssg.handoff: the digest names each staged page to the renderer through a real pipe,
and never blocks or fails doing it."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from ssg import handoff


def test_what_is_said_is_heard_in_order():
    hear, tell = os.pipe()
    say = handoff.Sender(tell)
    say("series/a.md", Path("/c/.ssg-txn/files/series/a.md"))
    say("authors/ü ñ.md", Path("/c/.ssg-txn/files/authors/ü ñ.md"))
    os.close(tell)
    got = list(handoff.received(hear))
    os.close(hear)
    assert got == [("series/a.md", Path("/c/.ssg-txn/files/series/a.md")),
                   ("authors/ü ñ.md", Path("/c/.ssg-txn/files/authors/ü ñ.md"))]


def test_a_reader_that_is_behind_costs_lines_never_a_wait():
    hear, tell = os.pipe()
    say = handoff.Sender(tell)
    start = time.perf_counter()
    for n in range(20_000):  # ~1 MB of lines into a 64 KB pipe nobody reads yet
        say(f"series/{n:05d}.md", Path(f"/staged/series/{n:05d}.md"))
    assert time.perf_counter() - start < 5
    os.close(tell)
    got = list(handoff.received(hear))
    os.close(hear)
    assert 0 < len(got) < 20_000
    assert all(rel == f"series/{path.stem}.md" for rel, path in got)  # each line whole, none torn


def test_a_reader_that_is_gone_is_no_error():
    hear, tell = os.pipe()
    os.close(hear)
    say = handoff.Sender(tell)
    say("series/a.md", Path("/x"))  # EPIPE: Python ignores SIGPIPE, the sender goes quiet
    say("series/b.md", Path("/y"))
    assert say.fd == -1
    os.close(tell)


def test_only_pages_with_plain_names_are_said():
    hear, tell = os.pipe()
    say = handoff.Sender(tell)
    say("digests/2026-W01.json", Path("/s/a.json"))  # not a page
    say("series/a\n.md", Path("/s/a.md"))  # a newline would split the line
    say("series/b.md", Path("/s/b\0.md"))
    say("series/" + "x" * 5000 + ".md", Path("/s/long.md"))  # over PIPE_BUF: could be torn
    say("series/ok.md", Path("/s/ok.md"))
    os.close(tell)
    got = list(handoff.received(hear))
    os.close(hear)
    assert got == [("series/ok.md", Path("/s/ok.md"))]


def test_the_reader_ends_when_the_last_writer_closes():
    hear, tell = os.pipe()
    got: list = []
    reader = threading.Thread(target=lambda: got.extend(handoff.received(hear)))
    reader.start()
    handoff.Sender(tell)("series/a.md", Path("/s/a.md"))
    time.sleep(0.05)
    assert reader.is_alive()  # a writer is still there: the reader waits for more
    os.close(tell)
    reader.join(5)
    os.close(hear)
    assert not reader.is_alive() and got == [("series/a.md", Path("/s/a.md"))]


def test_coming_is_the_first_word_or_a_page_and_false_when_nothing_is_said():
    """``Heard.coming`` waits for "pages are coming" (or a first page, which is kept for
    the iteration), and answers False when the sender closes without a word."""
    for first in ("expect", "page", "nothing"):
        hear, tell = os.pipe()
        say = handoff.Sender(tell)
        if first == "expect":
            say.expect()
        if first != "nothing":
            say("series/a.md", Path("/s/a.md"))
        os.close(tell)
        heard = handoff.received(hear)
        assert heard.coming() is (first != "nothing")
        got = list(heard)
        os.close(hear)
        assert got == ([] if first == "nothing" else [("series/a.md", Path("/s/a.md"))])


def test_coming_waits_for_the_word_not_for_the_end():
    hear, tell = os.pipe()
    heard = handoff.received(hear)
    answer: list = []
    reader = threading.Thread(target=lambda: answer.append(heard.coming()))
    reader.start()
    time.sleep(0.05)
    assert reader.is_alive()
    handoff.Sender(tell).expect()
    reader.join(5)
    assert answer == [True]  # while the writer's end is still open
    os.close(tell)
    assert list(heard) == []
    os.close(hear)
