"""Cut a run of commits into digest periods by arrival (committer) time (pure).

Periods are calendar days, ISO weeks (Monday to Monday) or months in UTC.  Each
period becomes one contiguous commit range; a period that has not ended at the
reference time is open (its digest is a draft).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

UTC = dt.timezone.utc
LATEST = dt.date(9999, 11, 29)
"""Last day that starts a period: any later time (a forged year-9999 date) falls into
its day, week or month, whose end is still a valid date."""


@dataclass(frozen=True, slots=True)
class Cut:
    """One period of commits."""

    label: str
    """``2026-07-13`` (day), ``2026-W28`` (week) or ``2026-07`` (month)."""
    start: int
    """Period start, UTC seconds."""
    end: int
    """Period end (exclusive), UTC seconds."""
    first: int
    """Index of the first commit of the period in the input."""
    last: int
    """Index of the last commit of the period in the input."""
    open: bool
    """The period ends after the reference time."""


def bounds(ts: int, every: str) -> tuple[str, int, int]:
    """(label, start, end) of the period holding ``ts``."""
    try:
        day = min(dt.datetime.fromtimestamp(max(0, ts), UTC).date(), LATEST)
    except (OverflowError, OSError, ValueError):
        day = LATEST
    if every == "day":
        start, end = day, day + dt.timedelta(days=1)
        label = day.isoformat()
    elif every == "week":
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=7)
        year, week, _ = start.isocalendar()
        label = f"{year}-W{week:02d}"
    elif every == "month":
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        label = f"{start.year}-{start.month:02d}"
    else:
        raise ValueError(f"unknown period {every!r}")

    def secs(d: dt.date) -> int:
        return int(dt.datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())
    return label, secs(start), secs(end)


def cut(times: Sequence[int], every: str, now: int) -> list[Cut]:
    """Group consecutive commits (given by arrival time, archive order) into periods.

    Arrival times in an archive are almost but not strictly monotonic; a commit
    whose time falls before the current period stays in it, so ranges remain
    contiguous and every commit is in exactly one period.
    """
    cuts: list[Cut] = []
    current: tuple[str, int, int] | None = None
    first = 0
    for i, ts in enumerate(times):
        if current is None:
            current, first = bounds(ts, every), i
            continue
        if ts >= current[2]:
            following = bounds(ts, every)
            if following[0] == current[0]:  # past the last period (LATEST): stays in it
                continue
            cuts.append(Cut(current[0], current[1], current[2], first, i - 1, current[2] > now))
            current, first = following, i
    if current is not None:
        cuts.append(Cut(current[0], current[1], current[2], first, len(times) - 1, current[2] > now))
    return cuts
