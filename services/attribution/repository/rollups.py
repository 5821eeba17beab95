"""SQL of the monthly rollups reports read for whole months, in the reporting currency.

* credit months: moved by every batch with its credit totals' deltas, converted (money.py);
  rebuilt from the days when rates change or the reporting currency does;
* cost months: rebuilt from the days (spend, else ad events) whenever a month's costs or rates
  change — the month is marked, the rollups job rebuilds it, reports read its days meanwhile.

A batch takes the rollups' lock shared, a month's rebuild exclusive: never one beside the other,
so no batch's change is lost between a rebuild's read and its write.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.diffs import TotalKey
from services.attribution.repository.bulk import sql_type
from services.attribution.repository.money import Money, converted_costs, factors
from services.attribution.tables import CREDIT_TOTALS

ROLLUP_LOCK = {"a": 4_184_002, "b": 0}
KEYS = ("model", "dimension", "month", "value", "stage", "currency")
COST_DIMENSIONS = ("channel", "source", "medium", "campaign")
DIRTY = {"credits": "attribution.rollup_dirty", "costs": "attribution.cost_dirty"}
MONTH_OF = "date_trunc('month', s.day)::date"
A_MONTH = "{d} >= :m AND {d} < (:m + interval '1 month')"


def _converted(source: str, *, month: str) -> str:
    """Monthly sums of ``source`` (model … currency, conversions, revenue rows), converted."""
    return (
        f"WITH s AS ({source}), {factors('s')} "
        f"SELECT s.model, s.dimension, {month} AS month, s.value, s.stage, "
        "CASE WHEN f.factor IS NULL THEN s.currency ELSE :target END AS currency, "
        "sum(s.conversions) AS conversions, sum(s.revenue * coalesce(f.factor, 1)) AS revenue "
        "FROM s JOIN f USING (currency, day) GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
    )


async def lock_shared(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock_shared(:a, :b)"), ROLLUP_LOCK)


async def add_totals(
    session: AsyncSession, totals: dict[TotalKey, tuple[Decimal, Decimal]], *, money: Money
) -> None:
    """The credit totals' deltas added to their days and, converted, to their months, in one
    statement; then the rows of either that came back to zero are deleted."""
    names = ("model", "dimension", "value", "day", "stage", "currency", "conversions", "revenue")
    rows = [(*key, w, r) for key, (w, r) in sorted(totals.items())]
    arrays = ", ".join(
        f"CAST(:c{i} AS {sql_type(CREDIT_TOTALS.c[n])}[])" for i, n in enumerate(names)
    )
    daily_keys = ("model", "dimension", "day", "value", "stage", "currency")
    sql = (
        f"WITH s AS MATERIALIZED (SELECT * FROM unnest({arrays}) AS u({', '.join(names)})), "
        f"{factors('s')}, "
        f"daily AS (INSERT INTO attribution.credit_totals ({', '.join(daily_keys)}, "
        f"conversions, revenue) SELECT {', '.join(daily_keys)}, conversions, revenue FROM s "
        f"ORDER BY {', '.join(daily_keys)} "
        f"ON CONFLICT ({', '.join(daily_keys)}) DO UPDATE SET {_sums('credit_totals')} "
        f"RETURNING {', '.join(daily_keys)}, conversions, revenue), "
        "monthly AS (INSERT INTO attribution.credit_months (model, dimension, month, value, "
        f"stage, currency, conversions, revenue) {_monthly_of_s()} "
        f"ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET {_sums('credit_months')} "
        f"RETURNING {', '.join(KEYS)}, conversions, revenue) "
        f"SELECT 'credit_totals', {', '.join(daily_keys)} FROM daily "
        "WHERE conversions = 0 AND revenue = 0 "
        f"UNION ALL SELECT 'credit_months', {', '.join(KEYS)} FROM monthly "
        "WHERE conversions = 0 AND revenue = 0"
    )
    params = {f"c{i}": [row[i] for row in rows] for i in range(len(names))}
    money_params = {"target": money.reporting, "base": money.base}
    zero = (await session.execute(text(sql), {**params, **money_params})).all()
    for table, keys in (("credit_totals", daily_keys), ("credit_months", KEYS)):
        gone = [tuple(row[1:]) for row in zero if row[0] == table]
        if gone:
            await _delete_keys(session, table, keys, gone)


def _sums(table: str) -> str:
    return ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in ("conversions", "revenue"))


def _monthly_of_s() -> str:
    return (
        f"SELECT s.model, s.dimension, {MONTH_OF}, s.value, s.stage, "
        "CASE WHEN f.factor IS NULL THEN s.currency ELSE :target END, "
        "sum(s.conversions), sum(s.revenue * coalesce(f.factor, 1)) "
        "FROM s JOIN f USING (currency, day) GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
    )


async def _delete_keys(
    session: AsyncSession, table: str, keys: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    types = ["date" if key in ("day", "month") else "text" for key in keys]
    arrays = ", ".join(f"CAST(:k{i} AS {t}[])" for i, t in enumerate(types))
    matched = " AND ".join(f"t.{c} = u.{c}" for c in keys)
    await session.execute(
        text(
            f"DELETE FROM attribution.{table} AS t USING unnest({arrays}) "
            f"AS u({', '.join(keys)}) WHERE {matched}"
        ),
        {f"k{i}": [row[i] for row in rows] for i in range(len(keys))},
    )


async def rebuild_credit_month(session: AsyncSession, month: date, *, money: Money) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), ROLLUP_LOCK)
    params = {"m": month, "target": money.reporting, "base": money.base}
    await session.execute(text("DELETE FROM attribution.credit_months WHERE month = :m"), params)
    source = (
        "SELECT model, dimension, value, day, stage, currency, conversions, revenue "
        f"FROM attribution.credit_totals WHERE {A_MONTH.format(d='day')}"
    )
    converted = _converted(source, month="CAST(:m AS date)")
    await session.execute(text(f"INSERT INTO attribution.credit_months {converted}"), params)
    await _clean(session, "credits", month)


async def rebuild_cost_month(session: AsyncSession, month: date, *, money: Money) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), ROLLUP_LOCK)
    params = {"m": month, "target": money.reporting, "base": money.base}
    await session.execute(text("DELETE FROM attribution.cost_months WHERE month = :m"), params)
    for dimension in COST_DIMENSIONS:
        rows = converted_costs(dimension, A_MONTH)
        await session.execute(
            text(
                "INSERT INTO attribution.cost_months (dimension, month, value, currency, cost, "
                f"impressions, clicks) SELECT '{dimension}', CAST(:m AS date), value, currency, "
                f"cost, impressions, clicks FROM ({rows}) AS r"
            ),
            params,
        )
    await _clean(session, "costs", month)


async def _clean(session: AsyncSession, kind: str, month: date) -> None:
    await session.execute(text(f"DELETE FROM {DIRTY[kind]} WHERE month = :m"), {"m": month})


async def mark(session: AsyncSession, kind: str, months: Collection[date]) -> None:
    if months:
        await session.execute(
            text(
                f"INSERT INTO {DIRTY[kind]} (month) SELECT * FROM unnest(CAST(:m AS date[])) "
                "ON CONFLICT DO NOTHING"
            ),
            {"m": sorted({m.replace(day=1) for m in months})},
        )


async def mark_since(session: AsyncSession, *, since: date) -> None:
    """Every month with credits or costs from ``since``'s month on (new rates convert them)."""
    for kind, table in (("credits", "credit_months"), ("costs", "cost_months")):
        await session.execute(
            text(
                f"INSERT INTO {DIRTY[kind]} (month) SELECT DISTINCT month FROM attribution.{table} "
                "WHERE month >= date_trunc('month', CAST(:d AS date)) ON CONFLICT DO NOTHING"
            ),
            {"d": since},
        )


async def readable(session: AsyncSession, *, money: Money) -> tuple[bool, set[date], set[date]]:
    """Whether the rollups are in the configured reporting currency (not after a change of it,
    until the rollups job has rebuilt them), and the credit and cost months to rebuild."""
    state = await session.execute(
        text("SELECT currency FROM attribution.rollup_state WHERE name = 'rollups'")
    )
    credits = await session.execute(text(f"SELECT month FROM {DIRTY['credits']}"))
    costs = await session.execute(text(f"SELECT month FROM {DIRTY['costs']}"))
    usable = state.scalar_one_or_none() == money.reporting
    return usable, set(credits.scalars()), set(costs.scalars())


async def to_rebuild(
    session: AsyncSession, *, money: Money, limit: int
) -> tuple[Sequence[date], Sequence[date]]:
    """The next credit and cost months to rebuild; after a change of reporting currency every
    month of both (which this records, so it happens once)."""
    usable, _, _ = await readable(session, money=money)
    if not usable:
        await mark_since(session, since=date.min)
        await session.execute(
            text(
                "INSERT INTO attribution.rollup_state (name, currency) VALUES ('rollups', :c) "
                "ON CONFLICT (name) DO UPDATE SET currency = excluded.currency"
            ),
            {"c": money.reporting},
        )
    months = []
    for kind in ("credits", "costs"):
        query = text(f"SELECT month FROM {DIRTY[kind]} ORDER BY month DESC LIMIT :n")
        months.append(list((await session.execute(query, {"n": limit})).scalars()))
    return months[0], months[1]
