"""SQL of erasures and access exports: everything feedback holds of some persons."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, Table, delete, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.repository.counts import CASE_MEASURES
from services.feedback.repository.sql import any_of
from services.feedback.tables import (
    CASE_EVENTS,
    CASES,
    CONVERSIONS,
    IDENTITIES,
    PERSONS,
    RESPONSES,
    TOUCHPOINTS,
)

# The persons' cases and every case merged into one of them, at any depth (a merged case
# keeps the person it was opened for, maybe a provisional one).
CASES_OF = """
WITH RECURSIVE gone(case_id) AS (
    SELECT case_id FROM feedback.cases WHERE person_id IN (SELECT unnest(CAST(:persons AS text[])))
    UNION
    SELECT c.case_id FROM feedback.cases c JOIN gone g ON c.merged_into = g.case_id
)
SELECT case_id FROM gone ORDER BY case_id
"""
KEEP_CASE_COUNTS = f"""
INSERT INTO feedback.erased_case_counts AS e (day, channel, campaign, opened, contacted,
    contact_seconds, contacted_in_time, resolved, resolve_seconds, resolved_in_time, recovered,
    reopened)
SELECT CAST(c.opened_at AT TIME ZONE 'UTC' AS date), coalesce(p.channel, ''),
       CASE WHEN p.channel IS NULL THEN '' ELSE coalesce(p.campaign, '') END,{CASE_MEASURES}
FROM feedback.cases c LEFT JOIN feedback.persons p USING (person_id)
WHERE c.status <> 'merged' AND c.case_id IN (SELECT unnest(CAST(:cases AS text[])))
GROUP BY 1, 2, 3
ON CONFLICT (day, channel, campaign) DO UPDATE SET opened = e.opened + excluded.opened,
    contacted = e.contacted + excluded.contacted,
    contact_seconds = e.contact_seconds + excluded.contact_seconds,
    contacted_in_time = e.contacted_in_time + excluded.contacted_in_time,
    resolved = e.resolved + excluded.resolved,
    resolve_seconds = e.resolve_seconds + excluded.resolve_seconds,
    resolved_in_time = e.resolved_in_time + excluded.resolved_in_time,
    recovered = e.recovered + excluded.recovered, reopened = e.reopened + excluded.reopened
"""  # noqa: S608 - a constant fragment, every value a bound parameter


async def mappings(
    session: AsyncSession, identifiers: Collection[str], persons: Collection[str]
) -> list[tuple[str, str]]:
    """(identifier, person) of every mapping of the identifiers or to the persons."""
    table = IDENTITIES
    query = select(table.c.identifier, table.c.person_id).where(
        or_(any_of(table.c.identifier, identifiers), any_of(table.c.person_id, persons))
    )
    return sorted((row.identifier, row.person_id) for row in await session.execute(query))


async def cases_of(session: AsyncSession, persons: Collection[str]) -> list[str]:
    result = await session.execute(text(CASES_OF), {"persons": sorted(persons)})
    return list(result.scalars())


async def keep_case_counts(session: AsyncSession, cases: Sequence[str]) -> None:
    """Adds what the KPIs count of these cases to ``erased_case_counts``, under the persons'
    acquisition now (before their rows go)."""
    if cases:
        await session.execute(text(KEEP_CASE_COUNTS), {"cases": list(cases)})


async def delete_all(
    session: AsyncSession,
    *,
    persons: Collection[str],
    identifiers: Collection[str],
    cases: Collection[str],
) -> dict[str, int]:
    """Deletes every row of the persons, their identifiers and their cases; how many per table."""
    # Responses a case holds (responses come before cases: this reads them).
    answered = select(func.unnest(CASES.c.response_ids)).where(any_of(CASES.c.case_id, cases))
    targets: list[tuple[Table, Any]] = [
        (CASE_EVENTS, any_of(CASE_EVENTS.c.case_id, cases)),
        (
            RESPONSES,
            or_(
                any_of(RESPONSES.c.person_id, persons),
                any_of(RESPONSES.c.case_id, cases),
                RESPONSES.c.message_id.in_(answered),
            ),
        ),
        (CASES, any_of(CASES.c.case_id, cases)),
        (TOUCHPOINTS, any_of(TOUCHPOINTS.c.person_id, persons)),
        (CONVERSIONS, any_of(CONVERSIONS.c.person_id, persons)),
        (PERSONS, any_of(PERSONS.c.person_id, persons)),
        (
            IDENTITIES,
            or_(
                any_of(IDENTITIES.c.identifier, identifiers),
                any_of(IDENTITIES.c.person_id, persons),
            ),
        ),
    ]
    counts: dict[str, int] = {}
    for table, where in targets:
        result = await session.execute(delete(table).where(where))
        counts[table.name] = int(getattr(result, "rowcount", 0) or 0)
    return counts


async def rows_of(session: AsyncSession, table: Table, where: Any) -> Sequence[Row[Any]]:
    query = select(table).where(where).order_by(*table.primary_key.columns)
    return (await session.execute(query)).all()
