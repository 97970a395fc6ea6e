"""The site swap of ``build``, and the clean-up after a build that was killed.

``swap`` puts a freshly rendered tree in place of site/ (one atomic exchange where
the kernel offers it); ``tidy`` finishes or undoes what a killed build left beside
site/: an in-place update's journal (``txn_dir``), an old site moved aside, half-built
trees.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from ssg import journal
from ssg.errors import ConfigError

MARK = ".ssg-site"
"""A file in every site ssg renders (``render_extras``): what lets a later build replace
that directory (``claim``)."""
MARK_TEXT = b"This directory is written by ssg: a full `ssg build` replaces it whole.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def swap(fresh: Path, site: Path) -> None:
    """Put ``fresh`` in place of ``site`` so that at every instant site/ is the old
    or the new tree: one atomic exchange where the kernel offers it, else two
    renames whose gap ``tidy`` repairs on the next run."""
    if site.exists() and _exchange(fresh, site):
        shutil.rmtree(fresh, ignore_errors=True)  # fresh now holds the old site
        return
    old = site.parent / f".{site.name}.old-{os.getpid()}"
    if site.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.rename(site, old)
    os.rename(fresh, site)
    shutil.rmtree(old, ignore_errors=True)


def claim(site: Path, named: Callable[[], str]) -> None:
    """Raise ConfigError unless a build may replace ``site``: it is missing or empty,
    holds ``MARK``, or is the site the cache's manifest names (``named()``: one built
    before the mark).  Anything else, a directory of the user's that site_dir was
    pointed at, is left alone."""
    try:
        with os.scandir(site) as entries:
            if next(entries, None) is None:
                return
        if (site / MARK).is_file() or named() == str(site):
            return
    except FileNotFoundError:
        return
    except NotADirectoryError:
        pass
    raise ConfigError(f"holds files ssg did not write (no {MARK} in it), and a build replaces site_dir whole:"
                      " point site_dir at a directory of its own, or empty this one", location=f"site_dir {site}")


def txn_dir(site: Path) -> Path:
    """Where a build that updates site/ in place stages its batch."""
    return site.parent / f".{site.name}.txn"


def tidy(site: Path) -> bool:
    """Clean up after a build that was killed: finish an in-place update whose
    journal was written, restore an old site moved aside (if site/ is missing) and
    remove half-built and left-over trees.  True when a journal was played (the
    manifest then no longer describes site/)."""
    played = journal.recover(txn_dir(site), site) if txn_dir(site).exists() else False
    leftovers = sorted(site.parent.glob(f".{site.name}.old-*"))
    if leftovers and not site.exists():
        os.rename(leftovers.pop(), site)
    for path in leftovers + sorted(site.parent.glob(f".{site.name}.new-*")):
        shutil.rmtree(path, ignore_errors=True)
    return played

