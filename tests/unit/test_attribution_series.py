"""The attribution page's series: one point per period from the first to the last, zeros
included, converted amounts in the points and the others apart, and the limit on day points."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.attribution.series import (
    MAX_POINTS,
    PeriodAmount,
    periods,
    points_of,
    unconverted_of,
)
from shared.errors import BadInput

D = Decimal


def test_weeks_start_on_monday_and_months_on_the_first_across_a_year_end() -> None:
    assert periods(date(2026, 12, 30), date(2027, 1, 12), "week") == [
        date(2026, 12, 28),
        date(2027, 1, 4),
        date(2027, 1, 11),
    ]
    assert periods(date(2026, 11, 15), date(2027, 2, 1), "month") == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    assert periods(date(2026, 2, 27), date(2026, 3, 1), "day") == [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
    ]


def test_a_range_of_more_day_points_than_the_limit_is_refused_naming_the_grains() -> None:
    start = date(2016, 1, 1)
    last = date.fromordinal(start.toordinal() + MAX_POINTS - 1)
    assert len(periods(start, last, "day")) == MAX_POINTS
    with pytest.raises(BadInput, match="grain=week or grain=month"):
        periods(start, date.fromordinal(last.toordinal() + 1), "day")
    assert len(periods(date.min, date(2026, 1, 1), "month")) > MAX_POINTS  # months may


def test_every_period_of_the_span_has_a_point_and_each_model_a_value_in_it() -> None:
    credited = [
        PeriodAmount(date(2026, 3, 2), None, D("100.00005"), conversions=D("0.5"), model="linear"),
        PeriodAmount(date(2026, 3, 2), None, D("20"), conversions=D("0.25"), model="linear"),
        PeriodAmount(date(2026, 3, 4), None, D("80"), conversions=D("1"), model="last_touch"),
        PeriodAmount(date(2026, 3, 4), "JPY", D("5000"), conversions=D("1"), model="linear"),
    ]
    costs = [
        PeriodAmount(date(2026, 3, 3), None, D("12.5")),
        PeriodAmount(date(2026, 3, 3), "JPY", D("9")),
    ]

    points = points_of(
        credited, costs, models=["linear", "last_touch"], span=(None, None), grain="day"
    )

    assert [p.period for p in points] == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    assert points[0].revenue == {"linear": D("120.0000"), "last_touch": D("0.0000")}
    assert points[0].conversions == {"linear": D("0.75"), "last_touch": D(0)}
    assert [p.cost for p in points] == [D("0.0000"), D("12.5000"), D("0.0000")]
    assert points[2].revenue == {"linear": D("0.0000"), "last_touch": D("80.0000")}
    assert points[2].conversions["linear"] == 1  # counted; its JPY revenue is left apart


def test_a_given_span_is_drawn_whole_even_where_nothing_happened() -> None:
    points = points_of(
        [], [], models=["linear"], span=(date(2026, 3, 1), date(2026, 3, 31)), grain="week"
    )
    assert points[0].period == date(2026, 2, 23)
    assert len(points) == 6
    assert all(p.revenue == {"linear": 0} and p.cost == 0 for p in points)
    assert points_of([], [], models=["linear"], span=(None, None), grain="day") == []


def test_amounts_without_a_rate_stay_in_their_currency_per_model() -> None:
    left = unconverted_of(
        [
            PeriodAmount(date(2026, 3, 2), "JPY", D("5000"), model="linear"),
            PeriodAmount(date(2026, 3, 9), "JPY", D("1000"), model="linear"),
            PeriodAmount(date(2026, 3, 9), None, D("1"), model="linear"),
        ],
        [PeriodAmount(date(2026, 3, 9), "CHF", D("3"))],
    )
    assert [(u.currency, u.revenue, u.cost) for u in left] == [
        ("CHF", {}, D("3")),
        ("JPY", {"linear": D("6000")}, D(0)),
    ]
