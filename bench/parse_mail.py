"""Benchmark: ``ssg.mail.parse`` messages per second on a real archive.

Reads every message once into memory (through ``ssg.archive``), then times
only the parsing, three times, and prints the median.  One process, one core.
Wall time suffers when other work shares the machine, so the CPU-time rate (this
process only) is printed as well.

    .venv/bin/python bench/parse_mail.py [ARCHIVE.git] [--limit N]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

from ssg.mail import parse
from ssg.model import RawMessage

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "archives" / "linux-hyperv.git"


def load(path: Path, limit: int | None = None) -> list[RawMessage]:
    """Every message of the archive, oldest first, read through ``ssg.archive``."""
    import itertools

    from ssg.archive import Archive

    with Archive.open(path) as archive:
        return list(itertools.islice(archive.messages(archive.resolve(None)), limit))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archive", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    messages = load(args.archive, args.limit)
    print(f"loaded {len(messages)} messages in {time.perf_counter() - t0:.2f} s")
    rates, cpu_rates, problems = [], [], collections.Counter()
    for run in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        mails = [parse(m) for m in messages]
        rates.append(len(messages) / (time.perf_counter() - t0))
        cpu_rates.append(len(messages) / (time.process_time() - c0))
        if run == 0:
            problems.update(p.code for mail in mails for p in mail.problems)
        del mails
    print(f"parse: median {statistics.median(rates):,.0f} msgs/s wall, "
          f"{statistics.median(cpu_rates):,.0f} msgs/s per CPU second "
          f"(wall runs: {', '.join(f'{r:,.0f}' for r in rates)})")
    for code, n in problems.most_common():
        print(f"  problem {code}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
