"""content/ writes: atomic batches, journal recovery, hand-edit protection."""

from __future__ import annotations

import json
import os
import re

import pytest
import yaml

from ssg.markup import front_matter
from ssg.writer import TXN_DIR, ContentFile, recover, seal, state, write_all


def gen(path: str, body: str) -> ContentFile:
    return ContentFile(path, seal(front_matter({"title": path}), body))


def test_generated_edited_and_hand_states(tmp_path):
    f = gen("a.md", "hello\n")
    assert state(f.text) == "generated"
    assert state(f.text.replace("hello", "HELLO")) == "edited"
    assert state("---\ntitle: x\n---\nmine\n") == "hand"
    assert state("no front matter") == "hand"


def test_an_all_digit_hash_stays_a_string_and_old_unquoted_files_stay_generated():
    # about one page in 1,850 hashes to sixteen decimal digits, which YAML reads as an int
    f = next(f for i in range(200_000) if re.search(r"ssg_hash: '\d{16}'\n", (f := gen("a.md", f"body {i}\n")).text))
    front = yaml.safe_load(f.text.split("---\n")[1])
    assert isinstance(front["ssg_hash"], str) and front["ssg_hash"].isdigit()
    assert state(f.text) == "generated"
    legacy = re.sub(r"ssg_hash: '(\d{16})'", r"ssg_hash: \1", f.text)  # as written before quoting
    assert legacy != f.text and state(legacy) == "generated"
    assert state(legacy.replace("body", "BODY")) == "edited"


def test_write_skips_identical_and_protects_edits(tmp_path):
    r = write_all(tmp_path, [gen("a.md", "one\n"), gen("d/b.md", "two\n"), ContentFile("d/b.json", "{}\n")])
    assert r.written == ("a.md", "d/b.md", "d/b.json")
    r = write_all(tmp_path, [gen("a.md", "one\n")])
    assert r.unchanged == ("a.md",) and r.written == ()
    (tmp_path / "a.md").write_text((tmp_path / "a.md").read_text() + "my note\n")
    (tmp_path / "hand.md").write_text("---\ntitle: mine\n---\n")
    r = write_all(tmp_path, [gen("a.md", "new\n"), gen("hand.md", "x\n"), ContentFile("d/b.json", "[]\n")])
    assert r.kept == ("a.md", "hand.md") and r.written == ("d/b.json",)
    assert "my note" in (tmp_path / "a.md").read_text()
    r = write_all(tmp_path, [gen("a.md", "new\n")], force=True)
    assert r.written == ("a.md",) and "new" in (tmp_path / "a.md").read_text()
    assert not (tmp_path / TXN_DIR).exists()


def test_each_file_to_write_is_named_once_staged_whole(tmp_path):
    write_all(tmp_path, [gen("same.md", "one\n")])
    (tmp_path / "hand.md").write_text("---\ntitle: mine\n---\n")
    heard = []

    def staged(rel, path):
        heard.append((rel, path.read_text()))  # whole at that moment, not yet in place
        assert not (tmp_path / rel).exists() or rel == "same.md"

    files = [gen("same.md", "one\n"), gen("d/new.md", "two\n"), gen("hand.md", "x\n"), ContentFile("d/n.json", "{}")]
    r = write_all(tmp_path, files, staged=staged)
    assert heard == [("d/new.md", files[1].text), ("d/n.json", "{}")]
    assert r.written == ("d/new.md", "d/n.json") and (tmp_path / "d/new.md").read_text() == files[1].text


def test_interrupted_batch_rolls_forward(tmp_path):
    write_all(tmp_path, [gen("a.md", "old\n"), gen("gone.md", "bye\n")])
    new = gen("a.md", "new\n")
    txn = tmp_path / TXN_DIR
    (txn / "files").mkdir(parents=True)
    (txn / "files" / "a.md").write_text(new.text)
    (txn / "journal.json").write_text(json.dumps({"write": ["a.md"], "remove": ["gone.md"]}))
    recover(tmp_path)
    assert (tmp_path / "a.md").read_text() == new.text and not (tmp_path / "gone.md").exists()
    assert not txn.exists()


def test_a_journal_plays_into_new_folders_and_plays_again_as_a_no_op(tmp_path):
    """A batch half played (killed between renames) is played again by ``recover``: the
    files already placed are left as they are, the rest placed, new folders made."""
    from ssg import journal
    root, txn = tmp_path / "root", tmp_path / "txn"
    (root / "old").mkdir(parents=True)
    (root / "old" / "a.html").write_text("old a")
    plan = {"write": ["old/a.html", "new/deep/b.html", "c.html"], "remove": []}
    for rel in plan["write"]:
        journal.staged(txn, rel).parent.mkdir(parents=True, exist_ok=True)
        journal.staged(txn, rel).write_text(f"new {rel}")
    os.replace(journal.staged(txn, "c.html"), root / "c.html")  # placed before the kill
    (root / "c.html").write_text("placed, then changed by the next batch")
    journal.play(txn, root, plan)
    journal.play(txn, root, plan)
    assert (root / "old" / "a.html").read_text() == "new old/a.html"
    assert (root / "new" / "deep" / "b.html").read_text() == "new new/deep/b.html"
    assert (root / "c.html").read_text() == "placed, then changed by the next batch"
    with pytest.raises(ValueError):
        journal.play(txn, root, {"write": ["../escape.html"], "remove": []})


def test_a_batch_is_staged_in_one_folder_however_deep_its_paths(tmp_path):
    """Every staged file lies in the one staging folder, named by a hash of its path: the
    pages of a site, each in a folder of its own, need no folder each to be staged.  The
    commit puts each where its path says; a path leaving the root is refused before any
    write."""
    from ssg import journal
    root, txn = tmp_path / "root", tmp_path / "txn"
    rels = [f"series/s{i}/index.html" for i in range(12)] + ["a/b/c/d.html", "top.html"]
    where = {rel: journal.staged(txn, rel) for rel in rels}
    assert len(set(where.values())) == len(rels) and {p.parent for p in where.values()} == {txn / journal.FILES}
    (txn / journal.FILES).mkdir(parents=True)
    for rel, path in where.items():
        path.write_text(f"page {rel}")
    journal.commit(txn, root, rels, [])
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html")) == sorted(rels)
    assert all((root / rel).read_text() == f"page {rel}" for rel in rels)
    assert list((txn / journal.FILES).iterdir()) == []
    for bad in ("../x.html", "a/../../x.html", "/etc/x"):
        with pytest.raises(ValueError):
            journal.staged(txn, bad)


def test_staged_files_without_journal_are_discarded(tmp_path):
    write_all(tmp_path, [gen("a.md", "old\n")])
    txn = tmp_path / TXN_DIR / "files"
    txn.mkdir(parents=True)
    (txn / "a.md").write_text("half")
    recover(tmp_path)
    assert "old" in (tmp_path / "a.md").read_text() and not (tmp_path / TXN_DIR).exists()


def test_unsafe_paths_are_refused(tmp_path):
    import pytest
    for bad in ("../x.md", "/etc/x.md", "a/../../x.md", "a\\b.md", ""):
        with pytest.raises(ValueError):
            write_all(tmp_path, [ContentFile(bad, "x")])
