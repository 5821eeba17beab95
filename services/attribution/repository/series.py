"""SQL of the series and of the latest conversions: maintained aggregates and one index.

Revenue per period sums the daily credit totals of one dimension (for every conversion,
``channel``: every credit is counted once in each dimension, so one of them holds every credit;
for one group, its dimension and value), each (currency, day) converted at that day's rate as
the report converts it; costs sum the same day-level cost rows as the report (imported spend,
else the ad events' costs). The rows read are days by groups by models, whatever the number of
conversions. The latest conversions walk the outcomes' index on their time from the newest, a
page at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.repository.money import cost_days, factors
from services.attribution.repository.reports import WORK_MEM, Window
from services.attribution.series import ConversionSummaryOut, Grain, PeriodAmount

FACTORS = factors("t")
# One of the report's dimensions holds every credit once (see the module's docstring).
EVERY_CREDIT = "channel"


async def credited(
    session: AsyncSession,
    window: Window,
    models: Sequence[str],
    *,
    grain: Grain,
    key: str | None = None,
) -> list[PeriodAmount]:
    """Every credit (``key`` None), or the credits of one group of ``window.dimension``."""
    await session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    stage = "AND stage = :stage" if window.stage is not None else ""
    group = "AND value = :key" if key is not None else ""
    sql = (
        "WITH t AS (SELECT model, currency, day, sum(conversions) AS c, sum(revenue) AS r "
        "FROM attribution.credit_totals WHERE model = ANY(CAST(:models AS text[])) "
        f"AND dimension = :dim AND day BETWEEN :lo AND :hi {stage} {group} "
        f"GROUP BY model, currency, day), {FACTORS} "
        "SELECT t.model, date_trunc(:grain, t.day::timestamp)::date, "
        "CASE WHEN f.factor IS NULL THEN t.currency END, sum(t.c), "
        "sum(t.r * coalesce(f.factor, 1)) FROM t JOIN f USING (currency, day) GROUP BY 1, 2, 3"
    )
    params = {**window.params(), "models": list(models), "grain": grain, "key": key}
    rows = await session.execute(text(sql), params)
    return [PeriodAmount(r[1], r[2], r[4], conversions=r[3], model=r[0]) for r in rows.all()]


async def costs(
    session: AsyncSession, window: Window, *, grain: Grain, key: str | None = None
) -> list[PeriodAmount]:
    """Every cost (``key`` None), or one group's; costs have no touch type."""
    if window.dimension == "touch_type":
        return []
    days = "{d} BETWEEN :lo AND :hi"
    group = "WHERE t.value = :key" if key is not None else ""
    sql = (
        f"WITH {cost_days(window.dimension, days)}, {FACTORS} "
        "SELECT date_trunc(:grain, t.day::timestamp)::date, "
        "CASE WHEN f.factor IS NULL THEN t.currency END, "
        f"sum(t.r * coalesce(f.factor, 1)) FROM t JOIN f USING (currency, day) {group} "
        "GROUP BY 1, 2"
    )
    rows = await session.execute(text(sql), {**window.params(), "grain": grain, "key": key})
    return [PeriodAmount(r[0], r[1], r[2]) for r in rows.all()]


async def latest(
    session: AsyncSession,
    *,
    since: datetime | None,
    until: datetime | None,
    before: tuple[datetime, str] | None,
    limit: int,
) -> list[ConversionSummaryOut]:
    """Outcomes converted in [``since``, ``until``), newest first, strictly older than
    ``before`` (time, id) when given."""
    clauses: list[str] = []
    params: dict[str, object] = {"limit": limit}
    for clause, name, value in (
        ("converted_at >= :since", "since", since),
        ("converted_at < :until", "until", until),
    ):
        if value is not None:
            clauses.append(clause)
            params[name] = value
    if before is not None:
        clauses.append("(converted_at, outcome_id) < (:at, :id)")
        params.update({"at": before[0], "id": before[1]})
    sql = (
        "SELECT outcome_id, person_id, converted_at, stage, revenue, currency, credited "
        f"FROM attribution.outcomes {'WHERE ' + ' AND '.join(clauses) if clauses else ''} "
        "ORDER BY converted_at DESC, outcome_id DESC LIMIT :limit"
    )
    rows = await session.execute(text(sql), params)
    return [
        ConversionSummaryOut(
            conversion_id=r[0],
            person_id=r[1],
            converted_at=r[2],
            stage=r[3],
            revenue=r[4],
            currency=r[5],
            credited=r[6],
        )
        for r in rows.all()
    ]
