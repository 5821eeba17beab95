"""SQL of erasures and access exports: everything the sessionizer holds of some persons."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, Table, delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessionizer.repository.reads import (
    CONVERSIONS,
    IDENTITIES,
    SESSIONS,
    TOUCHPOINTS,
    WEB_EVENTS,
    any_text,
)
from services.sessionizer.repository.writes import MERGES

# What an erasure deletes, by person: every table that names one.
PERSON_TABLES: tuple[Table, ...] = (IDENTITIES, WEB_EVENTS, SESSIONS, TOUCHPOINTS, CONVERSIONS)

ABSORBED = """
WITH RECURSIVE gone(person_id) AS (
    SELECT unnest(CAST(:persons AS text[]))
    UNION
    SELECT m.absorbed_person_id FROM sessionizer.merges m JOIN gone g
        ON m.into_person_id = g.person_id
)
SELECT person_id FROM gone
"""


async def component(session: AsyncSession, values: Sequence[str]) -> list[tuple[str, str]]:
    """(identifier, person) of every identity of the persons ``values`` name, as an
    identifier or as a person id."""
    named = select(IDENTITIES.c.person_id).where(
        or_(IDENTITIES.c.identifier == any_text("ids"), IDENTITIES.c.person_id == any_text("ids"))
    )
    query = select(IDENTITIES.c.identifier, IDENTITIES.c.person_id).where(
        IDENTITIES.c.person_id.in_(named)
    )
    rows = (await session.execute(query, {"ids": list(values)})).all()
    return sorted((row.identifier, row.person_id) for row in rows)


async def with_absorbed(session: AsyncSession, persons: Collection[str]) -> set[str]:
    """The persons and those merged into them, at any depth."""
    if not persons:
        return set()
    result = await session.execute(text(ABSORBED), {"persons": sorted(persons)})
    return set(result.scalars())


async def delete_persons(session: AsyncSession, persons: Sequence[str]) -> dict[str, int]:
    """Deletes every row of the persons; returns how many per table."""
    counts: dict[str, int] = {}
    for target in PERSON_TABLES:
        statement = delete(target).where(target.c.person_id == any_text("persons"))
        counts[target.name] = await _deleted(session, statement, persons)
    merges = delete(MERGES).where(
        or_(
            MERGES.c.absorbed_person_id == any_text("persons"),
            MERGES.c.into_person_id == any_text("persons"),
        )
    )
    counts[MERGES.name] = await _deleted(session, merges, persons)
    return counts


async def _deleted(session: AsyncSession, statement: Any, persons: Sequence[str]) -> int:
    if not persons:
        return 0
    result = await session.execute(statement, {"persons": list(persons)})
    return int(getattr(result, "rowcount", 0) or 0)


async def rows_of(
    session: AsyncSession, target: Table, persons: Collection[str]
) -> Sequence[Row[Any]]:
    """Every row of ``target`` that names one of the persons, oldest first where it can."""
    if target is MERGES:
        where = or_(
            MERGES.c.absorbed_person_id == any_text("persons"),
            MERGES.c.into_person_id == any_text("persons"),
        )
    else:
        where = target.c.person_id == any_text("persons")
    query = select(target).where(where).order_by(*target.primary_key.columns)
    return (await session.execute(query, {"persons": sorted(persons)})).all()
