"""SQL of the reports: maintained aggregates only, never a scan of the credits.

Whole months come from the monthly rollups (already converted into the reporting currency at
each conversion's date); the days at the edges of the range, and any report in another
currency, from the daily rows, converted per day at that day's rate (the latest rate on or
before it): the rows are summed per currency and day, each distinct (currency, day) gets its
factor once, and the sums are converted and added up. An amount whose currency has no rate on
its day is kept apart, in its own currency, so nothing silently drops out of a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.periods import Split, split
from services.attribution.person import ANY_STAGE, TOUCHED
from services.attribution.repository import rollups
from services.attribution.repository.money import Money, converted_costs, factors

Dimension = str  # channel | source | medium | campaign | touch_type
WORK_MEM = "32MB"  # a report's sorts and hashes stay in memory

FACTORS = factors("t")


@dataclass(frozen=True, slots=True)
class Window:
    dimension: Dimension
    low: date
    high: date
    stage: str | None
    target: str  # reporting currency
    base: str  # rates' base currency

    def params(self) -> dict[str, Any]:
        return {
            "dim": self.dimension,
            "lo": self.low,
            "hi": self.high,
            "stage": self.stage,
            "target": self.target,
            "base": self.base,
        }


@dataclass(frozen=True, slots=True)
class Amount:
    """A sum per group; ``currency`` None when converted, else the currency it stayed in."""

    key: str
    currency: str | None
    conversions: Decimal
    revenue: Decimal
    model: str = ""
    impressions: int = 0
    clicks: int = 0


async def credited(
    session: AsyncSession, window: Window, models: Sequence[str], *, money: Money
) -> list[Amount]:
    """Whole months from the monthly rollups when the report is in the reporting currency and
    they are readable; every other day from the daily rows, converted at the day's rate."""
    await session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    usable, dirty, _ = await rollups.readable(session, money=money)
    if window.target != money.reporting or not usable:
        return await _daily(session, window, models, [(window.low, window.high)])
    parts = split(window.low, window.high, unreadable=dirty)
    monthly = await _monthly(session, window, models, parts) if parts.months else []
    return monthly + await _daily(session, window, models, list(parts.days))


def _days(
    ranges: Sequence[tuple[date, date]], *, column: str = "day"
) -> tuple[str, dict[str, date]]:
    """An SQL condition on ``column`` for the ranges, and its parameters."""
    clauses = [f"{column} BETWEEN :lo{i} AND :hi{i}" for i in range(len(ranges))]
    params = {f"lo{i}": r[0] for i, r in enumerate(ranges)}
    params.update({f"hi{i}": r[1] for i, r in enumerate(ranges)})
    return f"({' OR '.join(clauses)})", params


async def _daily(
    session: AsyncSession, window: Window, models: Sequence[str], ranges: list[tuple[date, date]]
) -> list[Amount]:
    if not ranges:
        return []
    days, params = _days(ranges)
    stage = "AND stage = :stage" if window.stage is not None else ""
    sql = (
        "WITH t AS (SELECT model, value, currency, day, sum(conversions) AS c, "
        "sum(revenue) AS r FROM attribution.credit_totals "
        "WHERE model = ANY(CAST(:models AS text[])) AND dimension = :dim "
        f"AND {days} {stage} GROUP BY model, value, currency, day), "
        f"{FACTORS} "
        "SELECT t.model, t.value, CASE WHEN f.factor IS NULL THEN t.currency END, sum(t.c), "
        "sum(t.r * coalesce(f.factor, 1)) FROM t JOIN f USING (currency, day) "
        "GROUP BY 1, 2, 3"
    )
    rows = await session.execute(text(sql), {**window.params(), **params, "models": list(models)})
    return [Amount(r[1], r[2], r[3], r[4], model=r[0]) for r in rows.all()]


async def _monthly(
    session: AsyncSession, window: Window, models: Sequence[str], parts: Split
) -> list[Amount]:
    assert parts.months is not None
    stage = "AND stage = :stage" if window.stage is not None else ""
    sql = (
        "SELECT model, value, CASE WHEN currency <> :target THEN currency END, "
        "sum(conversions), sum(revenue) FROM attribution.credit_months "
        "WHERE model = ANY(CAST(:models AS text[])) AND dimension = :dim "
        "AND month BETWEEN :first AND :last AND month <> ALL(CAST(:skipped AS date[])) "
        f"{stage} GROUP BY 1, 2, 3"
    )
    params = {
        **window.params(),
        "models": list(models),
        "first": parts.months[0],
        "last": parts.months[1],
        "skipped": list(parts.skipped),
    }
    rows = await session.execute(text(sql), params)
    return [Amount(r[1], r[2], r[3], r[4], model=r[0]) for r in rows.all()]


async def costs(session: AsyncSession, window: Window, *, money: Money) -> list[Amount]:
    """Imported spend, and the ad events' costs of every day and campaign with no import:
    whole months from the cost rollups when they can be read, other days by day."""
    if window.dimension == "touch_type":
        return []
    usable, _, dirty = await rollups.readable(session, money=money)
    if window.target != money.reporting or not usable:
        return await _daily_costs(session, window, [(window.low, window.high)])
    parts = split(window.low, window.high, unreadable=dirty)
    monthly: list[Amount] = []
    if parts.months:
        rows = await session.execute(
            text(
                "SELECT value, CASE WHEN currency <> :target THEN currency END, sum(cost), "
                "sum(impressions), sum(clicks) FROM attribution.cost_months "
                "WHERE dimension = :dim AND month BETWEEN :first AND :last "
                "AND month <> ALL(CAST(:skipped AS date[])) GROUP BY 1, 2"
            ),
            {
                **window.params(),
                "first": parts.months[0],
                "last": parts.months[1],
                "skipped": list(parts.skipped),
            },
        )
        monthly = [_cost(row) for row in rows.all()]
    return monthly + await _daily_costs(session, window, list(parts.days))


async def _daily_costs(
    session: AsyncSession, window: Window, ranges: list[tuple[date, date]]
) -> list[Amount]:
    if not ranges:
        return []
    days, params = _days(ranges, column="{d}")
    sql = (
        f"SELECT value, CASE WHEN currency <> :target THEN currency END, sum(cost), "
        f"sum(impressions), sum(clicks) FROM ({converted_costs(window.dimension, days)}) AS c "
        "GROUP BY 1, 2"
    )
    rows = await session.execute(text(sql), {**window.params(), **params})
    return [_cost(row) for row in rows.all()]


def _cost(row: Any) -> Amount:
    return Amount(
        row[0], row[1], Decimal(0), row[2], impressions=int(row[3] or 0), clicks=int(row[4] or 0)
    )


async def reach(session: AsyncSession, window: Window) -> dict[str, tuple[int, int]]:
    """Per group: persons it first touched in the window, and those of them who converted."""
    parts = split(window.low, window.high)
    params = {**window.params(), "touched": TOUCHED, "converted": window.stage or ANY_STAGE}
    selects = []
    if parts.months:
        selects.append(
            "SELECT value, stage, persons FROM attribution.reach_months WHERE dimension = :dim "
            "AND month BETWEEN :first AND :last AND stage IN (:touched, :converted)"
        )
        params.update({"first": parts.months[0], "last": parts.months[1]})
    if parts.days:
        days, day_params = _days(list(parts.days))
        selects.append(
            "SELECT value, stage, persons FROM attribution.reach WHERE dimension = :dim "
            f"AND {days} AND stage IN (:touched, :converted)"
        )
        params.update(day_params)
    result = await session.execute(
        text(
            f"SELECT value, coalesce(sum(persons) FILTER (WHERE stage = :touched), 0), "
            f"coalesce(sum(persons) FILTER (WHERE stage = :converted), 0) "
            f"FROM ({' UNION ALL '.join(selects)}) AS r GROUP BY value"
        ),
        params,
    )
    return {row[0]: (int(row[1]), int(row[2])) for row in result.all()}


async def versions(session: AsyncSession, models: Sequence[str]) -> list[tuple[str, str, str, int]]:
    """(model, settings key, fit, conversions) of the stored credits."""
    result = await session.execute(
        text(
            "SELECT model, model_key, fit_id, sum(conversions) FROM attribution.credit_versions "
            "WHERE model = ANY(CAST(:models AS text[])) GROUP BY 1, 2, 3"
        ),
        {"models": list(models)},
    )
    return [(row[0], row[1], row[2], int(row[3])) for row in result.all()]
