"""The theme's compiled templates are kept in a private per-user cache (``theme._bytecode_cache``):
a second environment loads them from there, an edited template is compiled again, and a cache
entry that is damaged or cannot be written costs only time."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ssg import theme as themes
from ssg.theme import Theme


def custom_theme(tmp_path: Path, body: str) -> Theme:
    """A theme whose override directory holds one page template."""
    over = tmp_path / "over"
    over.mkdir(exist_ok=True)
    (over / "note.html").write_text(body)
    default = themes.BUILTIN_DIR / "default"
    return Theme(dirs=(over, default), theme_dir=default, default_dir=default)


def cache_files(t: Theme, name: str) -> list[Path]:
    cache = themes._bytecode_cache()
    env = t.environment()
    key = cache.get_cache_key(name, env.loader.get_source(env, name)[1])
    return [Path(cache.directory) / (cache.pattern % key)]


def test_the_cache_is_a_private_directory_of_this_user():
    cache = themes._bytecode_cache()
    assert cache is not None
    st = os.lstat(cache.directory)
    assert st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) == 0o700


def test_the_private_directory_is_refused_when_others_own_it_or_may_not_be_made(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert themes.private_cache_dir("x") == str(tmp_path / "ssg" / "x")
    (tmp_path / "ssg" / "x").chmod(0o777)
    assert themes.private_cache_dir("x") == str(tmp_path / "ssg" / "x")  # made private again
    assert stat.S_IMODE(os.lstat(tmp_path / "ssg" / "x").st_mode) == 0o700
    (tmp_path / "ssg" / "file").write_text("")
    assert themes.private_cache_dir("file") is None
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG rules say
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert themes.private_cache_dir("x") == str(tmp_path / "home" / ".cache" / "ssg" / "x")


def test_a_second_environment_loads_the_compiled_template(tmp_path, monkeypatch):
    t = custom_theme(tmp_path, "<p>{{ 1 + 2 }}</p>")
    assert t.environment().get_template("note.html").render() == "<p>3</p>"
    (entry,) = cache_files(t, "note.html")
    assert entry.is_file()
    compiled = []
    monkeypatch.setattr(themes._bytecode_cache().__class__, "dump_bytecode",
                        lambda self, bucket: compiled.append(bucket.key))
    assert t.environment().get_template("note.html").render() == "<p>3</p>"
    assert compiled == []  # found, not compiled and stored again


def test_an_edited_template_is_compiled_again(tmp_path):
    t = custom_theme(tmp_path, "<p>old</p>")
    assert t.environment().get_template("note.html").render() == "<p>old</p>"
    custom_theme(tmp_path, "<p>new {{ 'x' }}</p>")
    assert t.environment().get_template("note.html").render() == "<p>new x</p>"


def test_a_damaged_entry_is_compiled_again(tmp_path):
    t = custom_theme(tmp_path, "<p>{{ 'fine' }}</p>")
    t.environment().get_template("note.html")
    (entry,) = cache_files(t, "note.html")
    entry.write_bytes(entry.read_bytes()[:40] + b"\x00garbage")
    assert t.environment().get_template("note.html").render() == "<p>fine</p>"


def test_a_cache_that_cannot_be_written_costs_only_time(tmp_path, monkeypatch):
    cache = themes._bytecode_cache()
    monkeypatch.setattr(cache, "directory", str(tmp_path / "gone" / "away"))
    t = custom_theme(tmp_path, "<p>{{ 'still' }}</p>")
    assert t.environment().get_template("note.html").render() == "<p>still</p>"
