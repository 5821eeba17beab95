"""SQL of the reports: maintained aggregates only, never a scan of the credits.

Amounts are converted per day at that day's rate (the latest rate on or before it): the rows are
first summed per currency and day, each distinct (currency, day) gets its factor once, and the
sums are converted and added up. An amount whose currency has no rate on its day is kept apart,
in its own currency, so nothing silently drops out of a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.person import ANY_STAGE, TOUCHED

Dimension = str  # channel | source | medium | campaign | touch_type

# rate(c, d): units of c per one unit of the base currency on day d (the base itself is 1).
_RATE = (
    "(CASE WHEN {c} = :base THEN 1::numeric ELSE (SELECT r.rate FROM attribution.rates r "
    "WHERE r.currency = {c} AND r.day <= p.day ORDER BY r.day DESC LIMIT 1) END)"
)
FACTORS = (
    "pairs AS (SELECT DISTINCT currency, day FROM t), "
    "f AS (SELECT p.currency, p.day, CASE WHEN p.currency = :target THEN 1::numeric "
    f"ELSE {_RATE.format(c=':target')} / NULLIF({_RATE.format(c='p.currency')}, 0) END "
    "AS factor FROM pairs p)"
)


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


async def credited(session: AsyncSession, window: Window, models: Sequence[str]) -> list[Amount]:
    stage = "AND stage = :stage" if window.stage is not None else ""
    sql = (
        "WITH t AS (SELECT model, value, currency, day, sum(conversions) AS c, "
        "sum(revenue) AS r FROM attribution.credit_totals "
        "WHERE model = ANY(CAST(:models AS text[])) AND dimension = :dim "
        f"AND day BETWEEN :lo AND :hi {stage} GROUP BY model, value, currency, day), "
        f"{FACTORS} "
        "SELECT t.model, t.value, CASE WHEN f.factor IS NULL THEN t.currency END, sum(t.c), "
        "sum(t.r * coalesce(f.factor, 1)) FROM t JOIN f USING (currency, day) "
        "GROUP BY 1, 2, 3"
    )
    rows = await session.execute(text(sql), {**window.params(), "models": list(models)})
    return [Amount(r[1], r[2], r[3], r[4], model=r[0]) for r in rows.all()]


def _cost_value(dimension: Dimension, alias: str) -> str:
    if dimension == "channel" and alias == "s":
        return "coalesce(s.channel, cc.channel, '')"
    return f"{alias}.{dimension}"


async def costs(session: AsyncSession, window: Window) -> list[Amount]:
    """Imported spend, and the ad events' costs of every day and campaign with no import."""
    if window.dimension == "touch_type":
        return []
    sql = (
        f"WITH c AS (SELECT s.day, s.currency, s.cost, s.impressions, s.clicks, "
        f"{_cost_value(window.dimension, 's')} AS value FROM attribution.spend s "
        "LEFT JOIN attribution.campaign_channels cc USING (source, medium, campaign) "
        "WHERE s.day BETWEEN :lo AND :hi "
        f"UNION ALL SELECT e.day, e.currency, e.cost, e.impressions, e.clicks, "
        f"{_cost_value(window.dimension, 'e')} FROM attribution.ad_cost_totals e "
        "WHERE e.day BETWEEN :lo AND :hi AND NOT EXISTS (SELECT 1 FROM attribution.spend x "
        "WHERE x.day = e.day AND x.source = e.source AND x.medium = e.medium "
        "AND x.campaign = e.campaign)), "
        "t AS (SELECT value, currency, day, sum(cost) AS r, sum(impressions) AS i, "
        "sum(clicks) AS k FROM c GROUP BY 1, 2, 3), "
        f"{FACTORS} "
        "SELECT t.value, CASE WHEN f.factor IS NULL THEN t.currency END, "
        "sum(t.r * coalesce(f.factor, 1)), sum(t.i), sum(t.k) "
        "FROM t JOIN f USING (currency, day) GROUP BY 1, 2"
    )
    rows = await session.execute(text(sql), window.params())
    return [
        Amount(r[0], r[1], Decimal(0), r[2], impressions=int(r[3] or 0), clicks=int(r[4] or 0))
        for r in rows.all()
    ]


async def reach(session: AsyncSession, window: Window) -> dict[str, tuple[int, int]]:
    """Per group: persons it first touched in the window, and those of them who converted."""
    converted = window.stage or ANY_STAGE
    result = await session.execute(
        text(
            "SELECT value, coalesce(sum(persons) FILTER (WHERE stage = :touched), 0), "
            "coalesce(sum(persons) FILTER (WHERE stage = :converted), 0) "
            "FROM attribution.reach WHERE dimension = :dim AND day BETWEEN :lo AND :hi "
            "AND stage IN (:touched, :converted) GROUP BY value"
        ),
        {**window.params(), "touched": TOUCHED, "converted": converted},
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
