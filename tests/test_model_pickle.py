"""Values that cross from the parse workers pickle compactly and come back equal."""

from __future__ import annotations

import dataclasses
import pickle

from ssg.errors import Problem
from ssg.model import Address, Diffstat, FileStat, Mail, PullRequest, Subject, Trailer


def _full_mail() -> Mail:
    ada = Address("Ada Lovelace", "ada@contoso.com")
    bob = Address("Bob", "bob@fabrikam.com")
    subject = Subject("Re: [PATCH RFC v2 3.1/4] x: y", "x: y", True, True, ("PATCH", "RFC"), ("x",), "2", True, 3, 1, 4)
    reviewed = Trailer("Reviewed-by", "Bob <bob@fabrikam.com>", "reviewed-by", "person", bob)
    stat = Diffstat((FileStat("a.c", 1, 2, False, "R", "old.c"), FileStat("b.bin", 0, 0, True, "A")))
    return Mail(message_id="m@x", commit="c" * 40, blob="b" * 40, epoch=1, subject=subject, date=10, arrived=11,
                from_header=Address("List", "list@example.org"), sender=ada, author=bob, in_reply_to="p@x",
                references=("r@x", "p@x"), synthetic_id=True, hints=(("x-mailer", "git-send-email"),),
                text="Fix.\n", has_diff=True, diffstat=stat, diffstat_text=" a.c | 3 ++-\n",
                trailers=(reviewed,), followups=(reviewed,), change_id="20260101-x", base_commit="d" * 40,
                pull=PullRequest("e" * 40, "git://x", "main", "f" * 40), attachments=("a.patch",), size=123,
                deleted=True, problems=(Problem("bad-date", "odd", "m@x", "c" * 40),))


def test_every_field_of_a_mail_survives_pickling():
    m = _full_mail()
    for cls, value in ((Mail, m), (Subject, m.subject)):  # a new field left at its default would go untested
        for f in dataclasses.fields(cls):
            assert getattr(value, f.name) != f.default, f.name
    back = pickle.loads(pickle.dumps(m, pickle.HIGHEST_PROTOCOL))
    assert back == m
    assert back.subject == m.subject and back.diffstat == m.diffstat and back.pull == m.pull


def test_one_field_and_nested_values_pickle_as_their_class():
    for value in (Diffstat(()), Diffstat((FileStat("a"),)), Address("", ""), PullRequest()):
        back = pickle.loads(pickle.dumps(value))
        assert back == value and type(back) is type(value)
