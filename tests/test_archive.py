"""ssg.archive on real git repositories built with plumbing (tests/archive_util.py)."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
from pathlib import Path

import pytest

from ssg.archive import Archive, Commit, Range
from ssg.errors import ArchiveError
from tests.archive_util import (EMPTY, NO_MESSAGE, START, Deleted,  # noqa: F401
                                archive_factory, epoch_commits, git, make_archive, make_mail,
                                object_id, rewrite_history, write_objects)

MAILS = [make_mail(f"[PATCH {i}/6] change {i}", f"body {i}\n") for i in range(1, 7)]


def subjects(messages) -> list[str]:
    out = []
    for m in messages:
        line = next(x for x in m.data.split(b"\n") if x.startswith(b"Subject: "))
        out.append(line[9:].decode())
    return out


def test_open_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="no public-inbox archive at .*does not exist"):
        Archive.open(tmp_path / "nope")


def test_open_directory_that_is_no_archive(tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    with pytest.raises(ArchiveError) as err:
        Archive.open(tmp_path / "junk")
    assert "expected a directory with git/N.git epochs or a bare git repository" in str(err.value)


def test_v2_inbox_and_bare_repository(archive_factory) -> None:
    inbox = archive_factory(MAILS, epochs=2)
    bare = archive_factory(MAILS, bare=True)
    with Archive.open(inbox) as a, Archive.open(bare) as b:
        assert [e.number for e in a.epochs] == [0, 1]
        assert [e.number for e in b.epochs] == [0]
        assert a.tip() == epoch_commits(inbox / "git" / "1.git")[-1]
        assert b.tip() == epoch_commits(bare)[-1]
        assert subjects(a.messages(a.resolve(None))) == subjects(b.messages(b.resolve(None)))


def test_epochs_sorted_numerically(tmp_path: Path) -> None:
    inbox = make_archive(tmp_path, [make_mail(f"m{i}") for i in range(12)], epochs=[1] * 12)
    with Archive.open(inbox) as a:
        assert [e.number for e in a.epochs] == list(range(12))
        assert subjects(a.messages(a.resolve(None))) == [f"m{i}" for i in range(12)]


def test_full_range_commit_fields(archive_factory) -> None:
    inbox = archive_factory(MAILS, bare=True)
    ids = epoch_commits(inbox)
    with Archive.open(inbox) as a:
        commits = list(a.commits(a.resolve(None)))
    assert [c.commit for c in commits] == ids
    assert [c.committed for c in commits] == [START + 60 * n for n in range(6)]
    assert [c.authored for c in commits] == [START + 60 * n - 30 for n in range(6)]
    blobs = git(inbox, "rev-parse", *[f"{c}:m" for c in ids]).split()
    assert [c.blob for c in commits] == blobs
    assert not any(c.deleted for c in commits)


def test_ranges_a_b_open_ends_and_abbreviations(archive_factory) -> None:
    inbox = archive_factory(MAILS, bare=True)
    ids = epoch_commits(inbox)
    with Archive.open(inbox) as a:
        def subj(spec):
            return [s.split("]")[0] for s in subjects(a.messages(a.resolve(spec)))]
        assert subj(f"{ids[1]}..{ids[3]}") == ["[PATCH 3/6", "[PATCH 4/6"]
        assert subj(f"{ids[3][:7]}..") == ["[PATCH 5/6", "[PATCH 6/6"]
        assert subj(f"..{ids[1][:10]}") == ["[PATCH 1/6", "[PATCH 2/6"]
        assert subj(ids[0][:8]) == ["[PATCH 1/6"]
        assert subj(f"{ids[2]}..{ids[2]}") == []
        assert subj("HEAD") == subj(None) == subj("..")
        rng = a.resolve(f"{ids[1][:6]}..{ids[4][:12]}")
        assert (rng.start, rng.end) == (ids[1], ids[4])


def test_a_question_about_full_commit_ids_goes_to_git_once(archive_factory, monkeypatch) -> None:
    """``ssg digest`` checks that the last digest's end precedes the tip, then resolves the
    range between them: the second asks git nothing the first did not (3 processes fewer
    per run).  Prefixes are still looked up each time."""
    import ssg.archive

    inbox = archive_factory(MAILS, bare=True)
    ids = epoch_commits(inbox)
    calls = []
    real = ssg.archive.run
    monkeypatch.setattr(ssg.archive, "run", lambda *args, **kw: calls.append(args[1]) or real(*args, **kw))
    with Archive.open(inbox) as a:
        calls.clear()  # (the head, read at opening)
        assert a.is_ancestor(ids[1], ids[4]) and not a.is_ancestor(ids[4], ids[1])
        asked = len(calls)
        assert asked == 4  # two lookups, two merge-bases
        rng = a.resolve(f"{ids[1]}..{ids[4]}")
        assert (rng.start, rng.end) == (ids[1], ids[4]) and len(calls) == asked
        a.resolve(f"{ids[1][:9]}..{ids[4]}")
        assert len(calls) == asked + 1
        assert [c.commit for c in a.commits(rng)] == ids[2:5]


def test_cross_epoch_range(tmp_path: Path) -> None:
    mails = [make_mail(f"m{i}") for i in range(9)]
    inbox = make_archive(tmp_path, mails, epochs=[3, 3, 3])
    e = [epoch_commits(inbox / "git" / f"{n}.git") for n in range(3)]
    with Archive.open(inbox) as a:
        rng = a.resolve(f"{e[0][0][:8]}..{e[2][1][:8]}")
        assert rng.epochs == (0, 1, 2)
        assert [(s.start, s.end) for s in rng.segments] == [
            (e[0][0], e[0][2]), ("", e[1][2]), ("", e[2][1])]
        assert subjects(a.messages(rng)) == [f"m{i}" for i in range(1, 8)]
        # starting at an epoch's last commit leaves that epoch out
        assert a.resolve(f"{e[0][2]}..").epochs == (1, 2)
        assert subjects(a.messages(a.resolve(f"..{e[1][0]}"))) == ["m0", "m1", "m2", "m3"]
        assert a.is_ancestor(e[0][1], e[2][0]) and not a.is_ancestor(e[2][0], e[0][1])
        with pytest.raises(ArchiveError, match="comes after its end"):
            a.resolve(f"{e[2][0]}..{e[0][1]}")


def _clashes(left: list[str], right: list[str]) -> list[tuple[str, str]]:
    """Pairs of distinct commits sharing their first four hex digits."""
    first = {}
    for c in left:
        first.setdefault(c[:4], c)
    return [(first[c[:4]], c) for c in right if c[:4] in first and first[c[:4]] != c]


def test_unknown_ambiguous_and_bad_ranges(archive_factory) -> None:
    # 1000 commits make about 7.6 pairs with a common 4-digit prefix (birthday bound);
    # the ids are deterministic, so the pair below always exists
    inbox = archive_factory([make_mail(f"c{i}") for i in range(1000)], bare=True)
    ids = epoch_commits(inbox)
    a_id, b_id = _clashes(ids, ids)[0]
    with Archive.open(inbox) as a:
        with pytest.raises(ArchiveError, match="unknown commit 'deadbeefdead'"):
            a.resolve("deadbeefdead..")
        with pytest.raises(ArchiveError, match="bad range"):
            a.resolve("a...b")
        with pytest.raises(ArchiveError, match=f"'{a_id[:4]}' is ambiguous in epoch 0"):
            a.resolve(a_id[:4] + "..")
        common = len(os.path.commonprefix([a_id, b_id]))
        assert a.resolve(f"{a_id[:common + 1]}..").start == a_id


def test_ambiguous_prefix_across_epochs(archive_factory) -> None:
    inbox = archive_factory([make_mail(f"e{i}") for i in range(800)], epochs=2)
    first, second = (epoch_commits(inbox / "git" / f"{n}.git") for n in (0, 1))
    a_id, b_id = _clashes(first, second)[0]
    with Archive.open(inbox) as a:
        with pytest.raises(ArchiveError, match=f"'{a_id[:4]}' is ambiguous across epochs"):
            a.resolve(a_id[:4] + "..")
        common = len(os.path.commonprefix([a_id, b_id]))
        assert a.locate(b_id[:common + 1]) == (1, b_id)


def test_deleted_empty_and_missing_blobs(archive_factory) -> None:
    gone = make_mail("spam", "buy now\n")
    items = [MAILS[0], gone, Deleted(gone), EMPTY, NO_MESSAGE, MAILS[1]]
    inbox = archive_factory(items)
    with Archive.open(inbox) as a:
        msgs = list(a.messages(a.resolve(None)))
        assert [(m.deleted, m.data) for m in msgs] == [
            (False, MAILS[0]), (False, gone), (True, gone), (False, b""), (False, MAILS[1])]
        assert msgs[2].blob == msgs[1].blob
        skipped = epoch_commits(inbox / "git" / "0.git")[4]
        assert [(p.code, p.commit) for p in a.problems] == [("no-message", skipped)]


def test_root_without_message_and_repeated_blob(archive_factory) -> None:
    inbox = archive_factory([NO_MESSAGE, MAILS[0], MAILS[0], MAILS[1]])
    with Archive.open(inbox) as a:
        commits = list(a.commits(a.resolve(None)))
        assert commits[0].blob == "" and commits[1].blob == commits[2].blob != ""
        assert [m.data for m in a.messages(a.resolve(None))] == [MAILS[0], MAILS[0], MAILS[1]]


def test_rewritten_history_names_commits_and_merge_base(archive_factory) -> None:
    inbox = archive_factory(MAILS, bare=True)
    old = epoch_commits(inbox)
    new = rewrite_history(inbox, drop=2)
    assert new[:2] == old[:2] and len(new) == 5
    with Archive.open(inbox) as a:
        with pytest.raises(ArchiveError) as err:
            a.resolve(f"{old[3]}..")
        text = str(err.value)
        assert old[3] in text and new[-1] in text and f"merge-base: {old[1]}" in text
        assert f"--range {old[1]}..{new[-1]}" in text
        assert not a.is_ancestor(old[3], a.tip())
        assert a.merge_base(old[3], a.tip()) == old[1]
        assert subjects(a.messages(a.resolve(f"{old[1]}.."))) == [
            s for s in subjects(a.messages(a.resolve(None)))][2:]


def test_rewritten_older_epoch_and_edit(tmp_path: Path) -> None:
    inbox = make_archive(tmp_path, MAILS, epochs=2)
    e0 = inbox / "git" / "0.git"
    old = epoch_commits(e0)
    edited = make_mail("[PATCH 2/6] edited", "redacted\n")
    new = rewrite_history(e0, edit=(1, edited))
    with Archive.open(inbox) as a:
        with pytest.raises(ArchiveError, match=f"merge-base: {old[0]}; use --range "
                           f"{old[0]}..{a.tip()} "):
            a.resolve(f"{old[2]}..")
        assert a.merge_base(old[2], a.tip()) == old[0]
        assert edited in [m.data for m in a.messages(a.resolve(f"{new[0]}.."))]


def test_start_after_end_in_one_epoch(archive_factory) -> None:
    inbox = archive_factory(MAILS, bare=True)
    ids = epoch_commits(inbox)
    with Archive.open(inbox) as a, pytest.raises(ArchiveError, match="comes after its end"):
        a.resolve(f"{ids[4]}..{ids[1]}")


def test_read_chosen_commits_and_early_stop(archive_factory) -> None:
    inbox = archive_factory(MAILS, epochs=2)
    with Archive.open(inbox) as a:
        commits = list(a.commits(a.resolve(None)))
        chosen = [commits[4], commits[0], commits[5]]
        assert [m.commit for m in a.read(chosen)] == [c.commit for c in chosen]
        stream = a.messages(a.resolve(None))
        next(stream)
        stream.close()  # abandoned mid-way: the next read must not see stale output
        assert [m.data for m in a.messages(a.resolve(None))] == MAILS


def test_missing_object_names_the_commit(archive_factory) -> None:
    inbox = archive_factory(MAILS, bare=True)
    with Archive.open(inbox) as a:
        commits = list(a.commits(a.resolve(None)))
    broken = Commit(0, commits[2].commit, 0, 0, "1" * 40)
    with Archive.open(inbox) as a, pytest.raises(ArchiveError, match=commits[2].commit):
        list(a.read(commits[:2] + [broken]))


def test_many_messages_streamed_exactly(tmp_path: Path) -> None:
    rnd = random.Random(7)
    mails = []
    for i in range(3000):
        body = rnd.randbytes(rnd.choice([10, 300, 5000])).hex(" ", 8)
        mails.append(make_mail(f"mail {i}", body + f"\n{i}\n"))
    mails[100] = make_mail("big", "x" * 3_000_000 + "\n")  # larger than the pipe buffer
    inbox = make_archive(tmp_path, mails, epochs=[1200, 1800])
    with Archive.open(inbox) as a:
        got = list(a.messages(a.resolve(None)))
    assert [m.data for m in got] == mails
    assert [m.epoch for m in got] == [0] * 1200 + [1] * 1800
    assert all(m.committed > n.committed for n, m in zip(got, got[1:]))


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_GETPIPE_SZ"), reason="Linux pipe sizes only")
def test_cat_file_pipe_holds_a_read_buffer(archive_factory) -> None:
    import fcntl

    from ssg.pipes import SIZE
    inbox = archive_factory(MAILS, bare=True)
    with Archive.open(inbox) as a:
        assert [m.data for m in a.messages(a.resolve(None))] == MAILS  # read whole: the process stays
        sizes = [fcntl.fcntl(cat.proc.stdout.fileno(), fcntl.F_GETPIPE_SZ) for cat in a._cats.values()]
    assert sizes == [SIZE]  # git writes up to 1 MiB ahead instead of the default 64 KiB


def test_empty_archive(tmp_path: Path) -> None:
    inbox = make_archive(tmp_path, [], epochs=1)
    with Archive.open(inbox) as a:
        assert a.resolve(None) == Range("", "", ())
        assert list(a.messages(a.resolve(None))) == []
        with pytest.raises(ArchiveError, match="no commits"):
            a.tip()


@pytest.mark.real
@pytest.mark.slow
def test_real_archive_every_message(real_archive: Path) -> None:
    with Archive.open(real_archive) as a:
        count = size = 0
        for msg in a.messages(a.resolve(None)):
            count += 1
            size += len(msg.data)
        assert a.problems == []
    assert count == 26_431 or os.environ.get("SSG_REAL_ARCHIVE")
    assert size > 100_000_000 or os.environ.get("SSG_REAL_ARCHIVE")


def test_interleaved_reads_do_not_mix(archive_factory) -> None:
    inbox = archive_factory(MAILS, epochs=2)
    with Archive.open(inbox) as a:
        outer = a.messages(a.resolve(None))
        pairs = [(m.data, [n.data for n in a.messages(a.resolve(None))]) for m in outer]
    assert [p[0] for p in pairs] == MAILS and all(p[1] == MAILS for p in pairs)


def test_two_readers_per_epoch_keep_order(tmp_path: Path) -> None:
    mails = [make_mail(f"r{i}", f"{i}\n" * (i % 50)) for i in range(2500)]
    inbox = make_archive(tmp_path, mails, epochs=[1000, 1500])
    with Archive.open(inbox, readers=2) as a:
        assert [m.data for m in a.messages(a.resolve(None))] == mails
        assert len(a._cats) == 4  # two per epoch, kept for the next read


def _v1_tree(git_dir: Path, messages: dict[str, bytes]) -> str:
    """A ssoma (v1) tree: each message at xx/yyyy… named after sha1(Message-ID)."""
    subtrees: dict[str, list[tuple[str, str]]] = {}
    for key, raw in sorted(messages.items()):
        subtrees.setdefault(key[:2], []).append((key[2:], write_objects(git_dir, "blob", [raw])[0]))
    entries = []
    for prefix, files in sorted(subtrees.items()):
        body = b"".join(b"100644 " + n.encode() + b"\0" + bytes.fromhex(b) for n, b in files)
        subtree = write_objects(git_dir, "tree", [body])[0]
        entries.append(b"40000 " + prefix.encode() + b"\0" + bytes.fromhex(subtree))
    return write_objects(git_dir, "tree", [b"".join(entries)])[0] if entries else object_id("tree", b"")


def test_v1_ssoma_repository(tmp_path: Path) -> None:
    repo = tmp_path / "v1.git"
    git(repo.parent, "init", "--bare", "-q", str(repo))
    mails = [make_mail(f"v1 {i}", msgid=f"v1-{i}@example.com") for i in range(3)]
    keys = [hashlib.sha1(f"v1-{i}@example.com".encode()).hexdigest() for i in range(3)]
    states = [dict(zip(keys[:n], mails[:n])) for n in (1, 2, 3)] + [dict(zip(keys[::2], mails[::2]))]
    parent = ""
    for n, state in enumerate(states):
        env = {"GIT_AUTHOR_DATE": f"{START + n} +0000", "GIT_COMMITTER_DATE": f"{START + n} +0000"}
        args = ["commit-tree", _v1_tree(repo, state), "-m", f"c{n}"] + (["-p", parent] if parent else [])
        parent = subprocess.run(["git", f"--git-dir={repo}", *args], capture_output=True, text=True,
                                env={**os.environ, **env}, check=True).stdout.strip()
    git(repo, "update-ref", "HEAD", parent)
    with Archive.open(repo) as a:
        got = [(m.deleted, m.data) for m in a.messages(a.resolve(None))]
    assert got == [(False, mails[0]), (False, mails[1]), (False, mails[2]), (True, mails[1])]


def test_bytes_survive_exactly(archive_factory) -> None:
    odd = [b"Subject: crlf\r\n\r\nline\r\n", b"Subject: nul\n\n\x00\x01\xff\n", b"\n", b"x" * 65537]
    inbox = archive_factory(odd, bare=True)
    with Archive.open(inbox) as a:
        assert [m.data for m in a.messages(a.resolve(None))] == odd


@pytest.mark.real
def test_real_archive_ranges(real_archive: Path) -> None:
    with Archive.open(real_archive) as a:
        tip = a.tip()
        back = git(Path(a.epochs[-1].git_dir), "rev-parse", f"{tip}~100").strip()
        rng = a.resolve(f"{back[:8]}..{tip[:8]}")
        assert (rng.start, rng.end) == (back, tip)
        commits = list(a.commits(rng))
        assert len(commits) == 100 and commits[-1].commit == tip
        assert all(c.blob and not c.deleted for c in commits)
        assert all(x.committed <= y.committed for x, y in zip(commits, commits[1:]))
        assert [m.commit for m in a.read(commits[::-10])] == [c.commit for c in commits[::-10]]


def test_corrupt_pack_raises_archive_error(archive_factory) -> None:
    mails = [make_mail(f"z{i}", "y" * 2000 + f"{i}\n") for i in range(20)]
    inbox = archive_factory(mails, bare=True)
    with Archive.open(inbox) as a:
        commits = list(a.commits(a.resolve(None)))
    pack = max((inbox / "objects" / "pack").glob("*.pack"), key=lambda p: p.stat().st_size)
    data = bytearray(pack.read_bytes())
    for i in range(len(data) // 3, 2 * len(data) // 3, 7):
        data[i] ^= 0x55
    pack.chmod(0o644)
    pack.write_bytes(bytes(data))
    with Archive.open(inbox) as a, pytest.raises(ArchiveError, match="cannot read blob .* of commit"):
        list(a.read(commits))
