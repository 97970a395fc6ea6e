"""ssg.inbox: writing v2 inboxes, importing mbox and Maildir, read back with ssg.archive."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssg.archive import Archive
from ssg.errors import ArchiveError
from ssg.inbox import MSGMAP, InboxWriter, envelope, import_mailbox, strip_headers
from tests.archive_util import epoch_commits, git, make_archive, make_mail

START = 1_780_000_000
MAILS = [make_mail(f"[PATCH {i}/4] part {i}", f"change {i}\n", msgid=f"p{i}@example.com",
                   date=START + 3600 * i) for i in range(1, 5)]


def read_back(inbox: Path) -> list:
    with Archive.open(inbox) as archive:
        return list(archive.messages(archive.resolve(None)))


def write_mbox(path: Path, mails: list[bytes]) -> Path:
    """An mboxrd file: From_ lines, ``>``-quoting of body lines starting with (>*)From."""
    with open(path, "wb") as f:
        for raw in mails:
            lines = [b">" + line if line.lstrip(b">").startswith(b"From ") else line
                     for line in raw.split(b"\n")]
            f.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + b"\n".join(lines) + b"\n")
    return path


def test_mbox_import_round_trip(tmp_path: Path) -> None:
    tricky = make_mail("quoting", "From the start\n>From quoted\n>>From twice\nend\n",
                       msgid="q@example.com", date=START + 10)
    mbox = write_mbox(tmp_path / "list.mbox", MAILS + [tricky])
    report = import_mailbox(mbox, tmp_path / "inbox")
    assert (report.added, report.duplicates, report.problems) == (5, 0, ())
    got = read_back(tmp_path / "inbox")
    assert [m.data for m in got] == MAILS + [tricky]
    assert report.tip == epoch_commits(tmp_path / "inbox" / "git" / "0.git")[-1]


def test_unquoted_from_inside_body_is_not_a_separator(tmp_path: Path) -> None:
    mbox = tmp_path / "o.mbox"
    mbox.write_bytes(b"From a@b Mon Jan 1 00:00:00 2026\nSubject: one\nMessage-ID: <1@x>\n\n"
                     b"text\nFrom here on\n\nFrom a@b Mon Jan 1 00:00:00 2026\n"
                     b"Subject: two\nMessage-ID: <2@x>\n\nbye\n")
    got = read_back(Path(import_mailbox(mbox, tmp_path / "inbox") and tmp_path / "inbox"))
    assert [m.data for m in got] == [b"Subject: one\nMessage-ID: <1@x>\n\ntext\nFrom here on\n",
                                     b"Subject: two\nMessage-ID: <2@x>\n\nbye\n"]


def test_maildir_import_sorted_by_name(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "3.host").write_bytes(MAILS[2])
    (maildir / "cur" / "1.host:2,S").write_bytes(MAILS[0])
    (maildir / "new" / "2.host").write_bytes(MAILS[1])
    (maildir / "tmp" / "0.host").write_bytes(MAILS[3])  # still being delivered: ignored
    (maildir / "cur" / ".hidden").write_bytes(MAILS[3])
    report = import_mailbox(maildir, tmp_path / "inbox")
    assert report.added == 3
    assert [m.data for m in read_back(tmp_path / "inbox")] == MAILS[:3]


def test_reimport_deduplicates_and_keeps_history(tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "a.mbox", MAILS[:2] + [MAILS[0]])
    first = import_mailbox(mbox, tmp_path / "inbox")
    assert (first.added, first.duplicates) == (2, 1)
    again = import_mailbox(mbox, tmp_path / "inbox")
    assert (again.added, again.duplicates, again.tip) == (0, 3, first.tip)
    more = import_mailbox(write_mbox(tmp_path / "b.mbox", MAILS), tmp_path / "inbox")
    assert (more.added, more.duplicates) == (2, 2)
    commits = epoch_commits(tmp_path / "inbox" / "git" / "0.git")
    assert commits[1] == first.tip and commits[-1] == more.tip and len(commits) == 4
    assert [m.data for m in read_back(tmp_path / "inbox")] == MAILS


def test_lost_or_stale_msgmap_is_rebuilt(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    with InboxWriter(inbox) as w:
        for raw in MAILS[:3]:
            w.add(raw)
        w.delete("p2@example.com")
    (inbox / MSGMAP).unlink()
    with InboxWriter(inbox) as w:
        assert "p1@example.com" in w and "p3@example.com" in w and "p2@example.com" not in w
        assert w.add(MAILS[0]) is None
    (inbox / MSGMAP).write_text("# tip 0000\nxx\tp4@example.com\n")
    with InboxWriter(inbox) as w:
        assert w.add(MAILS[3]) is not None


def test_add_returns_commit_ids_and_sets_metadata(tmp_path: Path) -> None:
    raw = make_mail("=?utf-8?q?Gr=C3=BC=C3=9Fe?=  from\n the lab", "hi\n",
                    frm="=?utf-8?q?J=C3=B6rg_M=C3=BCller?= <Joerg@Contoso.com>",
                    date="Tue, 14 Jul 2026 20:29:41 -0700", msgid="g@contoso.com")
    with InboxWriter(tmp_path / "inbox", name="test-list", address="list@example.com") as w:
        ids = [w.add(MAILS[0]), w.add(raw)]
    epoch = tmp_path / "inbox" / "git" / "0.git"
    assert ids == epoch_commits(epoch)
    log = git(epoch, "log", "-1", "--format=%an|%ae|%at|%ai|%cn|%ce|%B").strip()
    assert log == ("Jörg Müller|Joerg@Contoso.com|1784086181|2026-07-14 20:29:41 -0700|"
                   "test-list|list@example.com|Grüße from the lab")
    assert git(epoch, "ls-tree", "--name-only", ids[1]).split() == ["m"]
    alternates = (tmp_path / "inbox" / "all.git" / "objects" / "info" / "alternates").read_text()
    assert alternates == "../../git/0.git/objects\n"
    assert (tmp_path / "inbox" / "inbox.lock").is_file()


def test_committer_time_is_monotonic(tmp_path: Path) -> None:
    dates = [START + 500, START + 100, None, "garbage", START + 900, START + 50]
    mails = [make_mail(f"m{i}", msgid=f"m{i}@example.com", date=d) for i, d in enumerate(dates)]
    with InboxWriter(tmp_path / "inbox") as w:
        for raw in mails:
            w.add(raw)
        codes = [p.code for p in w.problems]
    got = read_back(tmp_path / "inbox")
    assert [m.committed for m in got] == [START + 500, START + 500, START + 500, START + 500,
                                          START + 900, START + 900]
    assert [m.authored for m in got] == [START + 500, START + 100, START + 500, START + 500,
                                         START + 900, START + 50]
    assert codes == ["no-date", "bad-date"]


def test_delete_appends_d_commit(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    with InboxWriter(inbox) as w:
        for raw in MAILS[:3]:
            w.add(raw)
        gone = w.delete("<p2@example.com>")
        with pytest.raises(ArchiveError, match="no message <nope@example.com>"):
            w.delete("nope@example.com")
    epoch = inbox / "git" / "0.git"
    assert git(epoch, "ls-tree", "--name-only", gone).split() == ["d"]
    got = read_back(inbox)
    assert [(m.deleted, m.data) for m in got] == [
        (False, MAILS[0]), (False, MAILS[1]), (False, MAILS[2]), (True, MAILS[1])]
    assert got[3].blob == got[1].blob and got[3].commit == gone
    with InboxWriter(inbox) as w:  # a removed message may come back
        assert w.add(MAILS[1]) is not None
    assert [m.deleted for m in read_back(inbox)] == [False, False, False, True, False]


def test_hostile_headers_never_raise(tmp_path: Path) -> None:
    hostile = [b"", b"no headers at all", b"\xff\xfe\x00\x01\n\n\x80",
               b"From: \xe9t\xe9 <<a@b>>\nDate: Mon, 99 Foo 20261 99:99:99 +9999\nSubject: =?bogus?q?x?=\n\n",
               b"From: <>\nMessage-ID: <>\nDate: Tue, 14 Jul 2026 20:29:41 -9900\n\nbody\n",
               b"Message-ID: bare-id@example.com\nFrom: \"Quote \\\"x\\\"\" <q@x>\n\n"]
    with InboxWriter(tmp_path / "inbox") as w:
        ids = [w.add(raw) for raw in hostile]
    assert all(ids) and len(set(ids)) == len(hostile)
    got = read_back(tmp_path / "inbox")
    assert [m.data for m in got] == hostile
    assert got[4].authored == 1784060981  # the -9900 zone is read as UTC
    assert envelope(hostile[5])[0].message_id == "bare-id@example.com"


def test_public_inbox_drops_some_headers() -> None:
    raw = b"From: a@b\nStatus: RO\nLines: 3\n  folded\nX-Status: A\nSubject: s\n\nStatus: kept\n"
    assert strip_headers(raw) == b"From: a@b\nSubject: s\n\nStatus: kept\n"


def test_failed_session_leaves_refs_alone(tmp_path: Path) -> None:
    with InboxWriter(tmp_path / "inbox") as w:
        w.add(MAILS[0])
    tip = epoch_commits(tmp_path / "inbox" / "git" / "0.git")
    with pytest.raises(RuntimeError), InboxWriter(tmp_path / "inbox") as w:
        w.add(MAILS[1])
        raise RuntimeError("boom")
    assert epoch_commits(tmp_path / "inbox" / "git" / "0.git") == tip


def test_second_writer_is_locked_out(tmp_path: Path) -> None:
    with InboxWriter(tmp_path / "inbox"):
        with pytest.raises(ArchiveError, match="locked by another writer"):
            InboxWriter(tmp_path / "inbox")
    with InboxWriter(tmp_path / "inbox") as w:  # released on close
        w.add(MAILS[0])


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="no mailbox at .*does not exist"):
        import_mailbox(tmp_path / "missing", tmp_path / "inbox")
    (tmp_path / "notes.txt").write_text("Dear diary\n")
    with pytest.raises(ArchiveError, match="is not an mbox file"):
        import_mailbox(tmp_path / "notes.txt", tmp_path / "inbox")
    (tmp_path / "dir").mkdir()
    with pytest.raises(ArchiveError, match="not a mailbox"):
        import_mailbox(tmp_path / "dir", tmp_path / "inbox")
    assert not (tmp_path / "inbox").exists()


def test_many_messages_import(tmp_path: Path) -> None:
    mails = [make_mail(f"bulk {i}", f"line {i}\n" * 40, msgid=f"b{i}@example.com",
                       date=START + i) for i in range(2000)]
    report = import_mailbox(write_mbox(tmp_path / "bulk.mbox", mails), tmp_path / "inbox")
    assert report.added == 2000
    got = read_back(tmp_path / "inbox")
    assert [m.data for m in got] == mails
    assert [m.committed for m in got] == [START + i for i in range(2000)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(max_size=20), min_size=1, max_size=4),
       subjects=st.lists(st.binary(max_size=30), min_size=1, max_size=4))
def test_any_header_text_gives_the_commit_git_writes(tmp_path_factory, names, subjects) -> None:
    inbox = tmp_path_factory.mktemp("prop") / "inbox"
    with InboxWriter(inbox) as w:  # close() checks git's branch against our computed ids
        ids = [w.add(b"From: " + n.encode("utf-8", "surrogateescape") + b" <x@example.com>\n"
                     b"Subject: " + s + b"\n\nbody\n")
               for n, s in zip(names * len(subjects), subjects)]
    assert ids == epoch_commits(inbox / "git" / "0.git")


def test_appends_to_newest_epoch_of_a_foreign_inbox(tmp_path: Path) -> None:
    inbox = make_archive(tmp_path, MAILS[:3], epochs=[2, 1])  # built without ssg-msgmap
    with InboxWriter(inbox) as w:
        assert w.epoch == inbox / "git" / "1.git"
        assert [w.add(raw) for raw in MAILS] == [None, None, None, w.tip]
    assert len(epoch_commits(inbox / "git" / "1.git")) == 2
    assert [m.data for m in read_back(inbox)] == MAILS
    assert (inbox / "all.git" / "objects" / "info" / "alternates").read_text() == (
        "../../git/0.git/objects\n../../git/1.git/objects\n")


def test_refuses_a_bare_repository(tmp_path: Path) -> None:
    bare = make_archive(tmp_path, MAILS[:1], bare=True)
    with pytest.raises(ArchiveError, match="is a bare git repository, not a v2 inbox"):
        InboxWriter(bare)
