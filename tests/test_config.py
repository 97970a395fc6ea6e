"""Configuration: schema, every problem at once, warnings, overrides, the reference."""

from __future__ import annotations

import pytest

from ssg import cli, config
from ssg.errors import ConfigError
from tests.conftest import ROOT


def test_defaults_without_a_file(tmp_path):
    cfg = config.load(cwd=tmp_path)
    assert cfg.site_dir == "site" and cfg.digest.every == "week" and cfg.digest.top == 15
    assert cfg.base_path == "/" and cfg.config_file == ""


def test_every_problem_reported_at_once_with_its_key(tmp_path):
    path = tmp_path / "ssg.toml"
    path.write_text('site_url = "ftp://x"\n[digest]\nevery = "fortnight"\ntop = "many"\n[people]\nbots = [1]\n')
    with pytest.raises(ConfigError) as err:
        config.load(path)
    text = str(err.value)
    assert text.startswith(str(path))
    for key in ("site_url", "digest.every", "digest.top", "people.bots[0]"):
        assert key in text


def test_unknown_keys_warn_and_strict_fails(tmp_path, capsys):
    path = tmp_path / "ssg.toml"
    path.write_text('site_nmae = "typo"\n[archive]\nlsit = "x"\n')
    cfg = config.load(path)
    assert cfg.warnings == ("site_nmae: unknown key (ignored)", "archive.lsit: unknown key (ignored)")
    assert cli.main(["scan", "-f", str(path), "--strict"]) == 1
    assert "--strict" in capsys.readouterr().err


def test_overrides_win_and_paths_resolve(tmp_path):
    path = tmp_path / "ssg.toml"
    path.write_text('site_url = "https://a.example/x/"\n[archive]\npath = "inbox"\nurl = "https://l.example/k"\n')
    cfg = config.load(path, overrides={"site_url": "https://b.example/sub/dir"})
    assert cfg.site_url == "https://b.example/sub/dir/" and cfg.base_path == "/sub/dir/"
    assert cfg.archive.path == str((tmp_path / "inbox").resolve())
    assert cfg.archive.url == "https://l.example/k/"


def test_invalid_toml_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "ssg.toml"
    path.write_text("site_name = \n")
    assert cli.main(["build", "-f", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid TOML" in err and str(path) in err
    assert cli.main(["build", "-f", str(tmp_path / "missing.toml")]) == 1
    assert "config file not found" in capsys.readouterr().err


def test_reference_document_is_in_sync():
    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert doc == config.reference_document(), (
        "regenerate: python -c \"import ssg.config as c; "
        "open('docs/configuration.md','w').write(c.reference_document())\"")
    for table, keys in config.SCHEMA.items():
        for key in keys:
            assert f"`{key.name}`" in doc


def test_repository_example_config_loads_cleanly():
    cfg = config.load(ROOT / "ssg.toml")
    assert cfg.warnings == () and cfg.archive.mbox.endswith("demo-list.mbox")
