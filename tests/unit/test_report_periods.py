"""A report's range as whole months (rollups) and the days at its edges (daily rows)."""

from __future__ import annotations

from datetime import date

from services.attribution.periods import Split, month_end, split


def test_a_range_of_whole_months_reads_only_months() -> None:
    assert split(date(2026, 1, 1), date(2026, 3, 31)) == Split(
        months=(date(2026, 1, 1), date(2026, 3, 1)), skipped=(), days=()
    )


def test_the_days_before_the_first_and_after_the_last_whole_month_are_read_by_day() -> None:
    parts = split(date(2026, 1, 15), date(2026, 4, 10))
    assert parts.months == (date(2026, 2, 1), date(2026, 3, 1))
    assert parts.days == (
        (date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 4, 1), date(2026, 4, 10)),
    )


def test_a_range_inside_one_month_is_read_by_day() -> None:
    assert split(date(2026, 2, 3), date(2026, 2, 27)).days == (
        (date(2026, 2, 3), date(2026, 2, 27)),
    )


def test_months_being_rebuilt_are_read_by_day_and_left_out_of_the_months() -> None:
    parts = split(
        date(2026, 1, 1), date(2026, 6, 30), unreadable={date(2026, 3, 1), date(2027, 1, 1)}
    )
    assert parts.skipped == (date(2026, 3, 1),)
    assert parts.days == ((date(2026, 3, 1), date(2026, 3, 31)),)


def test_an_unbounded_range_is_every_month() -> None:
    parts = split(date.min, date.max)
    assert parts.months == (date(1, 1, 1), date(9999, 12, 1))
    assert parts.days == ()
    assert month_end(date(2028, 2, 1)) == date(2028, 2, 29)
