"""Benchmark: stream every message of a public-inbox archive through ssg.archive.

    .venv/bin/python bench/read_archive.py [ARCHIVE] [--runs N] [--readers N]

ARCHIVE defaults to $SSG_REAL_ARCHIVE, else ../shared/archives/linux-hyperv.git
relative to the repository root.  Prints MB/s and messages/s per run and the median
(with min and max) of the runs, plus the time to list the commits alone.  For
comparison it also times ``git cat-file --batch`` writing the same blobs to
/dev/null, which is the ceiling for any reader built on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ssg.archive import Archive  # noqa: E402


def default_archive() -> Path:
    env = os.environ.get("SSG_REAL_ARCHIVE")
    return Path(env) if env else ROOT.parent / "shared" / "archives" / "linux-hyperv.git"


def one_run(path: Path, readers: int) -> tuple[float, int, int, float]:
    """(seconds, messages, bytes, seconds listing commits) for one full read."""
    with Archive.open(path, readers=readers) as archive:
        rng = archive.resolve(None)
        start = time.perf_counter()
        list(archive.commits(rng))  # timed alone: the listing
        listing = time.perf_counter() - start
        start = time.perf_counter()
        count = size = 0
        for msg in archive.messages(rng):
            count += 1
            size += len(msg.data)
        return time.perf_counter() - start, count, size, listing


def git_ceiling(path: Path) -> float:
    """Seconds for git cat-file --batch alone to write every blob to /dev/null."""
    with Archive.open(path) as archive:
        dirs = {e.number: e.git_dir for e in archive.epochs}
        by_epoch: dict[str, list[str]] = {}
        for c in archive.commits(archive.resolve(None)):
            if c.blob:
                by_epoch.setdefault(dirs[c.epoch], []).append(c.blob)
    start = time.perf_counter()
    for git_dir, blobs in by_epoch.items():
        subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
                       input=("\n".join(blobs) + "\n").encode(), stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", nargs="?", type=Path, default=default_archive())
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--readers", type=int, default=1, help="cat-file processes per epoch")
    args = parser.parse_args()
    if not args.archive.exists():
        print(f"no archive at {args.archive}: give a path or set SSG_REAL_ARCHIVE", file=sys.stderr)
        return 2
    rates, msg_rates = [], []
    for n in range(args.runs):
        seconds, count, size, listing = one_run(args.archive, args.readers)
        rates.append(size / seconds / 1e6)
        msg_rates.append(count / seconds)
        print(f"run {n + 1}: {count} messages, {size / 1e6:.1f} MB in {seconds:.2f} s = "
              f"{rates[-1]:.1f} MB/s, {msg_rates[-1]:,.0f} msg/s (listing commits: {listing:.2f} s)")
    print(f"median {statistics.median(rates):.1f} MB/s (min {min(rates):.1f}, max {max(rates):.1f}); "
          f"median {statistics.median(msg_rates):,.0f} msg/s "
          f"(min {min(msg_rates):,.0f}, max {max(msg_rates):,.0f})")
    ceiling = git_ceiling(args.archive)
    print(f"git cat-file --batch alone: {ceiling:.2f} s = {size / ceiling / 1e6:.1f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
