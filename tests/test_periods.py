"""Cutting history into day/week/month periods by arrival time."""

from __future__ import annotations

from ssg.periods import bounds, cut

MON = 1772409600  # 2026-03-02 00:00 UTC, a Monday
DAY = 86400


def test_bounds():
    assert bounds(MON + 3 * DAY, "week") == ("2026-W10", MON, MON + 7 * DAY)
    assert bounds(MON + 3 * DAY + 5, "day")[0] == "2026-03-05"
    label, start, end = bounds(MON, "month")
    assert label == "2026-03" and end - start == 31 * DAY


def test_cut_is_contiguous_and_marks_open_periods():
    times = [MON + 1, MON + DAY, MON + 8 * DAY, MON + 8 * DAY - 5, MON + 20 * DAY]
    cuts = cut(times, "week", now=MON + 15 * DAY)
    assert [(c.label, c.first, c.last, c.open) for c in cuts] == [
        ("2026-W10", 0, 1, False), ("2026-W11", 2, 3, False), ("2026-W12", 4, 4, True)]
    assert cut([], "week", now=0) == []
