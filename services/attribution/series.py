"""Revenue, conversions and cost over time, and the latest conversions: what the attribution
page draws beside the report (README, Pages). Pure: typed rows in, the API's bodies out.

A series has one point per period (day, ISO week from its Monday, or month from its first day)
from the first to the last period asked (or, without bounds, that has data), zeros included, so
a line chart never joins two points across a period that had nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field

from services.attribution.report import MONEY, UnconvertedOut
from shared.api import ApiModel
from shared.errors import BadInput

Grain = Literal["day", "week", "month"]
MAX_POINTS = 3_660  # ten years by day


class PointOut(ApiModel):
    period: date = Field(description="the period's first day")
    cost: Decimal
    revenue: dict[str, Decimal]
    conversions: dict[str, Decimal]


class SeriesOut(ApiModel):
    grain: Grain
    from_: date | None = Field(alias="from")
    to: date | None
    stage: str | None
    currency: str
    group_by: str | None = Field(description="with key: the dimension of the group")
    key: str | None = Field(description="the group drawn; null: every conversion")
    models: list[str]
    points: list[PointOut]
    unconverted: list[UnconvertedOut]


class ConversionSummaryOut(ApiModel):
    conversion_id: str
    person_id: str
    converted_at: datetime
    stage: str
    revenue: Decimal
    currency: str
    credited: bool


class ConversionsOut(ApiModel):
    conversions: list[ConversionSummaryOut]
    # Pass as ``before`` for the next (older) page; null on the last page.
    next: str | None


@dataclass(frozen=True, slots=True)
class PeriodAmount:
    """A sum per period; ``currency`` None when converted, else the currency it stayed in."""

    period: date
    currency: str | None
    amount: Decimal
    conversions: Decimal = Decimal(0)
    model: str = ""


def period_of(day: date, grain: Grain) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def next_period(start: date, grain: Grain) -> date:
    if grain == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=7 if grain == "week" else 1)


def periods(first: date, last: date, grain: Grain) -> list[date]:
    """Every period from the one holding ``first`` to the one holding ``last``; BadInput past
    MAX_POINTS, naming what to ask instead."""
    start, end = period_of(first, grain), period_of(last, grain)
    if grain == "day" and (end - start).days >= MAX_POINTS:
        raise BadInput(
            f"from..to holds {(end - start).days + 1} days; ask for grain=week or grain=month, "
            f"or at most {MAX_POINTS} days",
            field="grain",
        )
    out = []
    while start <= end:
        out.append(start)
        start = next_period(start, grain)
    return out


def points_of(
    credited: Sequence[PeriodAmount],
    costs: Sequence[PeriodAmount],
    *,
    models: Sequence[str],
    span: tuple[date | None, date | None],
    grain: Grain,
) -> list[PointOut]:
    """Revenue and cost converted (the others are in ``unconverted_of``); conversions all."""
    seen = [a.period for a in (*credited, *costs)]
    low, high = span[0] or min(seen, default=None), span[1] or max(seen, default=None)
    if low is None or high is None:
        return []
    zero = Decimal(0)
    revenue = {p: dict.fromkeys(models, zero) for p in periods(low, high, grain)}
    conversions = {p: dict.fromkeys(models, zero) for p in revenue}
    cost = dict.fromkeys(revenue, zero)
    for a in credited:  # conversions count whatever their currency, as in the report
        if a.period in revenue:
            conversions[a.period][a.model] += a.conversions
            if a.currency is None:
                revenue[a.period][a.model] += a.amount
    for a in costs:
        if a.currency is None and a.period in cost:
            cost[a.period] += a.amount
    return [
        PointOut(
            period=p,
            cost=cost[p].quantize(MONEY),
            revenue={m: v.quantize(MONEY) for m, v in revenue[p].items()},
            conversions=conversions[p],
        )
        for p in revenue
    ]


def unconverted_of(
    credited: Iterable[PeriodAmount], costs: Iterable[PeriodAmount]
) -> list[UnconvertedOut]:
    """Amounts whose currency had no rate on their day, each in its own currency."""
    revenue: dict[str, dict[str, Decimal]] = {}
    spent: dict[str, Decimal] = {}
    for a in credited:
        if a.currency is not None:
            per_model = revenue.setdefault(a.currency, {})
            per_model[a.model] = per_model.get(a.model, Decimal(0)) + a.amount
    for a in costs:
        if a.currency is not None:
            spent[a.currency] = spent.get(a.currency, Decimal(0)) + a.amount
    return [
        UnconvertedOut(currency=c, revenue=revenue.get(c, {}), cost=spent.get(c, Decimal(0)))
        for c in sorted({*revenue, *spent})
    ]
