"""The attribution report: typed rows from the aggregates, the ratios, and the CSV. Pure.

Per group and model: credited conversions and revenue; per group: cost (imported spend, else the
ad events' costs), persons the group touched and those of them who converted. CPA = cost /
conversions, ROAS = revenue / cost, ROI = (revenue - cost) / cost; each is null when its divisor
is zero or the cost unknown (no cost recorded for the group).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from pydantic import Field

from services.attribution.repository.reports import Amount
from shared.api import ApiModel

RATIO = Decimal("0.0001")
MONEY = Decimal("0.0001")  # converted amounts carry the rates' precision until here


class ModelStatusOut(ApiModel):
    model: str
    key: str = Field(description="the model, its code version, parameters and lookback")
    fit_id: str | None = Field(description="the current fit (fitted models)")
    conversions: int = Field(description="conversions credited by this model, all dates")
    stale_conversions: int = Field(
        description="of those, credited under other settings: being restated"
    )
    earlier_fit_conversions: int = Field(
        description="weighed by an earlier fit: within the tolerance, or awaiting restatement"
    )


class FiguresOut(ApiModel):
    conversions: Decimal
    revenue: Decimal
    cpa: Decimal | None
    roas: Decimal | None
    roi: Decimal | None


class GroupOut(ApiModel):
    key: str | None
    cost: Decimal | None
    impressions: int | None
    clicks: int | None
    persons_touched: int
    persons_converted: int
    conversion_rate: Decimal | None
    models: dict[str, FiguresOut]


class UnconvertedOut(ApiModel):
    """Amounts left out of the totals: no rate for their currency on their day."""

    currency: str
    revenue: dict[str, Decimal]
    cost: Decimal


class ReportOut(ApiModel):
    group_by: str
    from_: date | None = Field(alias="from")
    to: date | None
    stage: str | None
    currency: str
    models: list[ModelStatusOut]
    groups: list[GroupOut]
    unconverted: list[UnconvertedOut]


def _ratio(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    if denominator is None or denominator == 0:
        return None
    return (numerator / denominator).quantize(RATIO)


def figures(conversions: Decimal, revenue: Decimal, cost: Decimal | None) -> FiguresOut:
    revenue = revenue.quantize(MONEY)
    return FiguresOut(
        conversions=conversions,
        revenue=revenue,
        cpa=None if cost is None else _ratio(cost, conversions),
        roas=_ratio(revenue, cost),
        roi=None if cost is None else _ratio(revenue - cost, cost),
    )


def groups_of(
    credited: Sequence[Amount],
    costs: Sequence[Amount],
    reach: Mapping[str, tuple[int, int]],
    *,
    models: Sequence[str],
) -> list[GroupOut]:
    """One row per group with credits or cost, models side by side, largest revenue first."""
    sums: dict[str, dict[str, tuple[Decimal, Decimal]]] = {}
    for amount in credited:  # months and days; conversions count whatever the currency
        per_model = sums.setdefault(amount.key, {})
        c, r = per_model.get(amount.model, (Decimal(0), Decimal(0)))
        revenue = amount.revenue if amount.currency is None else Decimal(0)
        per_model[amount.model] = (c + amount.conversions, r + revenue)
    spent = {a.key: a for a in costs if a.currency is None}
    rows = [
        _group(key, sums.get(key, {}), spent.get(key), reach.get(key, (0, 0)), models=models)
        for key in {*sums, *spent}
    ]
    first = models[0]
    return sorted(rows, key=lambda g: (-g.models[first].revenue, g.key or ""))


def _group(
    key: str,
    per_model: Mapping[str, tuple[Decimal, Decimal]],
    cost: Amount | None,
    reach: tuple[int, int],
    *,
    models: Sequence[str],
) -> GroupOut:
    spend = cost.revenue.quantize(MONEY) if cost is not None else None
    zero = (Decimal(0), Decimal(0))
    return GroupOut(
        key=key or None,
        cost=spend,
        impressions=cost.impressions if cost is not None else None,
        clicks=cost.clicks if cost is not None else None,
        persons_touched=reach[0],
        persons_converted=reach[1],
        conversion_rate=_ratio(Decimal(reach[1]), Decimal(reach[0])),
        models={m: figures(*per_model.get(m, zero), spend) for m in models},
    )


def unconverted_of(credited: Iterable[Amount], costs: Iterable[Amount]) -> list[UnconvertedOut]:
    revenue: dict[str, dict[str, Decimal]] = {}
    spent: dict[str, Decimal] = {}
    for amount in credited:
        if amount.currency is not None:
            per_model = revenue.setdefault(amount.currency, {})
            per_model[amount.model] = per_model.get(amount.model, Decimal(0)) + amount.revenue
    for amount in costs:
        if amount.currency is not None:
            spent[amount.currency] = spent.get(amount.currency, Decimal(0)) + amount.revenue
    # Unconverted amounts stay in their own currency: their stored precision is exact.
    return [
        UnconvertedOut(
            currency=code, revenue=revenue.get(code, {}), cost=spent.get(code, Decimal(0))
        )
        for code in sorted({*revenue, *spent})
    ]


CSV_COLUMNS = (
    "key",
    "model",
    "conversions",
    "revenue",
    "cost",
    "cpa",
    "roas",
    "roi",
    "persons_touched",
    "persons_converted",
    "conversion_rate",
    "currency",
)


def csv_of(report: ReportOut) -> str:
    """One line per group and model (long format: a pivot table makes it side by side)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([report.group_by if c == "key" else c for c in CSV_COLUMNS])
    for group in report.groups:
        for model, f in group.models.items():
            writer.writerow(
                [
                    _cell(group.key),
                    model,
                    f.conversions,
                    f.revenue,
                    _cell(group.cost),
                    _cell(f.cpa),
                    _cell(f.roas),
                    _cell(f.roi),
                    group.persons_touched,
                    group.persons_converted,
                    _cell(group.conversion_rate),
                    report.currency,
                ]
            )
    return out.getvalue()


def _cell(value: object) -> str:
    return "" if value is None else str(value)
