"""SQL of costs and rates: ad events' costs, imported spend, exchange rates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.imports import RateRow, SpendRow
from services.attribution.repository import bulk, rollups
from services.attribution.signals import AdCost
from services.attribution.tables import AD_COST_TOTALS, AD_COSTS, RATES, SPEND

AD_COST_COLUMNS = (
    "message_id",
    "day",
    "channel",
    "source",
    "medium",
    "campaign",
    "currency",
    "cost",
    "impressions",
    "clicks",
)
TOTAL_KEYS = ("day", "source", "medium", "campaign", "channel", "currency")


async def record_ad_costs(session: AsyncSession, costs: Sequence[AdCost]) -> int:
    """Takes each ad event once (by messageId) and adds what was new to the daily totals."""
    unique = {cost.message_id: cost for cost in costs}
    if not unique:
        return 0
    rows = [[getattr(cost, name) for name in AD_COST_COLUMNS] for cost in unique.values()]
    params = {f"c{i}": [row[i] for row in sorted(rows)] for i in range(len(AD_COST_COLUMNS))}
    arrays = ", ".join(
        f"CAST(:c{i} AS {bulk.sql_type(AD_COSTS.c[name])}[])"
        for i, name in enumerate(AD_COST_COLUMNS)
    )
    result = await session.execute(
        text(
            f"INSERT INTO attribution.ad_costs ({', '.join(AD_COST_COLUMNS)}) "
            f"SELECT * FROM unnest({arrays}) ON CONFLICT (message_id) DO NOTHING "
            "RETURNING day, source, medium, campaign, channel, currency, cost, impressions, clicks"
        ),
        params,
    )
    fresh = result.all()
    await rollups.lock_shared(session)
    await rollups.mark(session, "costs", {row[0] for row in fresh})
    totals: dict[tuple[object, ...], list[Decimal | int]] = {}
    for row in fresh:
        sums = totals.setdefault(tuple(row[:6]), [Decimal(0), 0, 0])
        sums[0] += row[6]
        sums[1] += row[7]
        sums[2] += row[8]
    await bulk.add(
        session,
        AD_COST_TOTALS,
        (*TOTAL_KEYS, "cost", "impressions", "clicks"),
        [(*key, *sums) for key, sums in totals.items()],
        keys=TOTAL_KEYS,
    )
    return len(fresh)


async def save_spend(session: AsyncSession, rows: Sequence[SpendRow], *, at: datetime) -> None:
    """A row replaces the one imported before for its day and campaign."""
    unique = {(r.day, r.source, r.medium, r.campaign): r for r in rows}
    columns = ("day", "source", "medium", "campaign", "channel", "currency", "cost")
    values = [
        (*key, r.channel, r.currency, r.cost, r.impressions, r.clicks, at)
        for key, r in unique.items()
    ]
    await bulk.upsert(
        session,
        SPEND,
        (*columns, "impressions", "clicks", "imported_at"),
        values,
        keys=("day", "source", "medium", "campaign"),
    )


async def save_rates(session: AsyncSession, rows: Sequence[RateRow]) -> None:
    unique = {(r.currency, r.day): r.rate for r in rows}
    await bulk.upsert(
        session,
        RATES,
        ("currency", "day", "rate"),
        [(*key, rate) for key, rate in unique.items()],
        keys=("currency", "day"),
    )
