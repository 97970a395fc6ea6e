"""Whether a digest run with no new mail may leave content/ alone.

A run with no range to digest still writes the index pages (home, digest, author
and domain lists), which nearly always come out as they are.  Their inputs are the
message index, the configuration, the people files and ssg's own code: the index
changes only in runs that digest something, and those write the index pages.  So a
run that wrote them records (in the index's meta table) a key of the other inputs
and the size and mtime of each index page as written; the next run with nothing to
digest skips them when the key is the same and every page is still as written (a
page edited by hand or deleted means they are written again, with the usual
hand-edit warning).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ssg.config import Config, output_key
from ssg.index import Index

META = "quiet_run"


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return [st.st_size, st.st_mtime_ns]


def key(cfg: Config) -> str:
    """The index pages' inputs besides the index: configuration, people files, ssg's code."""
    here = Path(__file__).resolve().parent
    parts = [output_key(cfg), repr(_stat(cfg.people.mailmap) if cfg.people.mailmap else None)]
    parts += [f"{p.name}:{_stat(str(p))}" for p in sorted(here.glob("*.py"))]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def remember(idx: Index, cfg: Config, content: Path, paths: list[str], kept: set[str]) -> None:
    """After a run wrote the index pages ``paths``: what lets the next quiet run skip them
    (nothing, when one was kept as edited by hand: it is to be warned about again)."""
    if not paths or kept & set(paths):
        idx.set_meta(META, "")
        return
    stats = {rel: _stat(f"{content}/{rel}") for rel in paths}
    idx.set_meta(META, json.dumps({"key": key(cfg), "pages": stats}, sort_keys=True))


def still(idx: Index, cfg: Config, content: Path) -> bool:
    """The index pages the last run wrote are still what this run would write."""
    try:
        known = json.loads(idx.get_meta(META) or "null")
    except ValueError:
        return False
    if not isinstance(known, dict) or known.get("key") != key(cfg) or not isinstance(known.get("pages"), dict):
        return False
    return all(stat is not None and _stat(f"{content}/{rel}") == stat for rel, stat in known["pages"].items())
