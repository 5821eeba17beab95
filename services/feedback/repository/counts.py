"""SQL of the maintained counts, the reports read from them, and the alerts raised on them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import Table, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.counting import CountKey, ThemeKey
from services.feedback.kpis import CaseCounts, ResponseCounts
from services.feedback.tables import ALERTS, RESPONSE_COUNTS, THEME_COUNTS
from services.feedback.trends import ThemeCount
from shared.events import SpikeAlertRecord

RESPONSE_FIELDS = ("responses", "negative", "neutral", "positive", "score_sum")
THEME_FIELDS = ("responses", "negative", "sentiment_sum")


async def add_responses(session: AsyncSession, deltas: Mapping[CountKey, Sequence[int]]) -> int:
    """Adds the deltas to their rows (creating them), in one statement; rows sorted by key so
    two writers would lock them in one order."""
    rows = [
        {
            "day": day,
            "instrument": instrument,
            "channel": channel,
            "campaign": campaign,
            **dict(zip(RESPONSE_FIELDS, values, strict=True)),
        }
        for (day, instrument, channel, campaign), values in sorted(deltas.items())
    ]
    return await _add(session, RESPONSE_COUNTS, rows, RESPONSE_FIELDS)


async def add_themes(session: AsyncSession, deltas: Mapping[ThemeKey, Sequence[float]]) -> int:
    rows = [
        {"theme": theme, "day": day, **dict(zip(THEME_FIELDS, values, strict=True))}
        for (theme, day), values in sorted(deltas.items())
    ]
    return await _add(session, THEME_COUNTS, rows, THEME_FIELDS)


async def _add(
    session: AsyncSession, table: Table, rows: list[dict[str, object]], fields: Sequence[str]
) -> int:
    if not rows:
        return 0
    statement = insert(table)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=list(table.primary_key.columns),
            set_={name: table.c[name] + statement.excluded[name] for name in fields},
        ),
        rows,
    )
    return len(rows)


async def response_counts(session: AsyncSession, start: date, end: date) -> list[ResponseCounts]:
    table = RESPONSE_COUNTS
    rows = await session.execute(
        select(table).where(table.c.day >= start, table.c.day <= end, table.c.responses > 0)
    )
    return [
        ResponseCounts(
            day=row.day,
            instrument=row.instrument,
            channel=row.channel or None,
            campaign=row.campaign or None,
            responses=row.responses,
            negative=row.negative,
            neutral=row.neutral,
            positive=row.positive,
            score_sum=row.score_sum,
        )
        for row in rows
    ]


async def case_counts(session: AsyncSession, start: date, end: date) -> list[CaseCounts]:
    """Cases opened in the range, per UTC day of opening and the person's acquisition; merged
    cases are left out (their responses count in the case they joined). Cases are few beside
    responses and ``opened_at`` is indexed, so this reads only the range's cases. The cases of
    erased persons count from what their erasure kept (``erased_case_counts``)."""
    params = {"start": start, "end": end}
    rows = [*await session.execute(text(CASE_COUNTS), params)]
    rows += [*await session.execute(text(ERASED_CASE_COUNTS), params)]
    return [
        CaseCounts(
            day=row.day,
            channel=row.channel,
            campaign=row.campaign,
            opened=row.opened,
            contacted=row.contacted,
            contact_seconds=float(row.contact_seconds or 0),
            contacted_in_time=row.contacted_in_time,
            resolved=row.resolved,
            resolve_seconds=float(row.resolve_seconds or 0),
            resolved_in_time=row.resolved_in_time,
            recovered=row.recovered,
            reopened=row.reopened,
        )
        for row in rows
    ]


# What the KPIs count of a set of cases ``c`` (shared with the erasure, which keeps it).
CASE_MEASURES = """
       count(*) AS opened,
       count(c.first_contact_at) AS contacted,
       coalesce(sum(extract(epoch FROM c.first_contact_at - c.opened_at)), 0) AS contact_seconds,
       count(*) FILTER (WHERE c.contacted_in_time) AS contacted_in_time,
       count(*) FILTER (WHERE c.status = 'resolved') AS resolved,
       coalesce(sum(extract(epoch FROM c.resolved_at - c.opened_at))
           FILTER (WHERE c.status = 'resolved'), 0) AS resolve_seconds,
       count(*) FILTER (WHERE c.status = 'resolved' AND c.resolved_in_time) AS resolved_in_time,
       count(*) FILTER (WHERE c.status = 'resolved' AND c.recovered) AS recovered,
       count(*) FILTER (WHERE c.reopen_count > 0) AS reopened"""
CASE_COUNTS = f"""
SELECT CAST(c.opened_at AT TIME ZONE 'UTC' AS date) AS day, p.channel,
       CASE WHEN p.channel IS NULL THEN NULL ELSE p.campaign END AS campaign,{CASE_MEASURES}
FROM feedback.cases c LEFT JOIN feedback.persons p USING (person_id)
WHERE c.status <> 'merged'
  AND c.opened_at >= CAST(:start AS date) AT TIME ZONE 'UTC'
  AND c.opened_at < (CAST(:end AS date) + 1) AT TIME ZONE 'UTC'
GROUP BY 1, 2, 3
"""  # noqa: S608 - a constant fragment, every value a bound parameter
ERASED_CASE_COUNTS = """
SELECT day, nullif(channel, '') AS channel, nullif(campaign, '') AS campaign, opened,
       contacted, contact_seconds, contacted_in_time, resolved, resolve_seconds,
       resolved_in_time, recovered, reopened
FROM feedback.erased_case_counts WHERE day >= :start AND day <= :end
"""


async def theme_counts(session: AsyncSession, start: date, end: date) -> list[ThemeCount]:
    table = THEME_COUNTS
    rows = await session.execute(select(table).where(table.c.day >= start, table.c.day <= end))
    return [
        ThemeCount(row.theme, row.day, row.responses, row.negative, row.sentiment_sum)
        for row in rows
    ]


async def daily_volumes(session: AsyncSession, start: date, end: date) -> dict[date, int]:
    """Responses per day over every instrument and segment: what theme counts are relative to."""
    table = RESPONSE_COUNTS
    rows = await session.execute(
        select(table.c.day, func.sum(table.c.responses))
        .where(table.c.day >= start, table.c.day <= end)
        .group_by(table.c.day)
    )
    return {day: int(total) for day, total in rows.all()}


async def claim_alerts(
    session: AsyncSession, alerts: Sequence[SpikeAlertRecord], *, at: datetime
) -> list[SpikeAlertRecord]:
    """Records the alerts; returns those not raised before (an alert goes out once)."""
    if not alerts:
        return []
    statement = (
        insert(ALERTS)
        .values(
            [
                {
                    "period": a.window,
                    "starts_on": a.starts_on,
                    "theme": a.theme,
                    "measure": a.measure,
                    "kind": a.kind,
                    "observed": a.observed,
                    "expected": a.expected,
                    "p_value": a.p_value,
                    "z": a.z,
                    "raised_at": at,
                }
                for a in alerts
            ]
        )
        .on_conflict_do_nothing()
        .returning(ALERTS.c.period, ALERTS.c.starts_on, ALERTS.c.theme, ALERTS.c.measure)
    )
    claimed = {tuple(row) for row in (await session.execute(statement)).all()}
    return [a for a in alerts if (a.window, a.starts_on, a.theme, a.measure) in claimed]


async def alerted(
    session: AsyncSession, *, period: str, start: date, end: date
) -> set[tuple[str, date]]:
    """(theme, window start) of the alerts raised for windows in the range."""
    rows = await session.execute(
        select(ALERTS.c.theme, ALERTS.c.starts_on).where(
            ALERTS.c.period == period, ALERTS.c.starts_on >= start, ALERTS.c.starts_on <= end
        )
    )
    return {(theme, starts_on) for theme, starts_on in rows.all()}
