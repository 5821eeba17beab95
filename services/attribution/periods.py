"""A report's date range as whole months (read from the monthly rollups) and the days left at
its edges or in months whose rollup is being rebuilt (read from the daily rows). Pure."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

DayRange = tuple[date, date]  # inclusive


@dataclass(frozen=True, slots=True)
class Split:
    months: DayRange | None  # the first days of the first and last whole month, if any
    skipped: tuple[date, ...]  # months inside them that are read by day instead
    days: tuple[DayRange, ...]


def _index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    """The last day of the month that starts on ``first``."""
    following = _index(first) + 1
    return date.max if following > _index(date.max) else _month(following) - timedelta(days=1)


def split(low: date, high: date, *, unreadable: Collection[date] = ()) -> Split:
    """``[low, high]`` as whole months and day ranges; ``unreadable`` months go by day."""
    first = _index(low) + (low.day != 1)
    last = _index(high) - (high != month_end(_month(_index(high))))
    if first > last:
        return Split(months=None, skipped=(), days=((low, high),))
    start, end = _month(first), _month(last)
    days = [(low, start - timedelta(days=1))] if low < start else []
    if month_end(end) < high:
        days.append((month_end(end) + timedelta(days=1), high))
    skipped = tuple(sorted(m for m in unreadable if start <= m <= end))
    days.extend((m, month_end(m)) for m in skipped)
    return Split(months=(start, end), skipped=skipped, days=tuple(days))
