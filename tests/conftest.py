"""Shared fixtures.  Real archive tests find it through SSG_REAL_ARCHIVE."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
DEFAULT_REAL = ROOT.parent / "shared" / "archives" / "linux-hyperv.git"


def real_archive_path() -> Path | None:
    p = Path(os.environ.get("SSG_REAL_ARCHIVE", str(DEFAULT_REAL)))
    return p if (p / "objects").is_dir() or (p / "git").is_dir() else None


@pytest.fixture(scope="session")
def real_archive() -> Path:
    p = real_archive_path()
    if p is None:
        pytest.skip("real archive not found: set SSG_REAL_ARCHIVE to a public-inbox archive "
                    f"(default {DEFAULT_REAL})")
    return p


@pytest.fixture(scope="session")
def real_digest_content(real_archive, tmp_path_factory) -> Path:
    """content/ of one digest of 1,500 real messages (weekly pages, series, people, domains)."""
    from ssg import cli

    root = tmp_path_factory.mktemp("real-digest")
    tip = "5c5ba5c5654a"
    (root / "ssg.toml").write_text(f'[archive]\npath = "{real_archive}"\nlist = "linux-hyperv"\n'
                                   'url = "https://lore.kernel.org/linux-hyperv/"\n[digest]\nevery = "week"\n')
    assert cli.main(["digest", "-f", str(root / "ssg.toml"), "-q", "--range", f"{tip}~1500..{tip}"]) == 0
    return root / "content"
