"""SQL of erasures and access exports: everything attribution holds of one person."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, Table, delete, exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.repository.journeys import any_of
from services.attribution.tables import (
    CONVERSIONS,
    CREDITS,
    DEAL_LOSSES,
    OUTCOMES,
    PERSONS,
    TOUCHPOINTS,
)

# Every table with a person_id column, in the order an erasure empties them.
JOURNEY_TABLES: tuple[Table, ...] = (TOUCHPOINTS, CONVERSIONS, PERSONS)
DERIVED_TABLES: tuple[Table, ...] = (OUTCOMES, CREDITS)


async def deals_of(session: AsyncSession, person: str) -> set[str]:
    query = select(CONVERSIONS.c.deal_id).where(
        CONVERSIONS.c.person_id == person, CONVERSIONS.c.deal_id.is_not(None)
    )
    return {deal for deal in (await session.execute(query)).scalars() if deal}


async def delete_of(session: AsyncSession, table: Table, person: str) -> int:
    result = await session.execute(delete(table).where(table.c.person_id == person))
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_lone_losses(session: AsyncSession, deals: Collection[str]) -> int:
    """The losses of the deals no conversion names any more."""
    if not deals:
        return 0
    named = exists().where(CONVERSIONS.c.deal_id == DEAL_LOSSES.c.deal_id)
    result = await session.execute(
        delete(DEAL_LOSSES).where(any_of(DEAL_LOSSES.c.deal_id, deals), ~named)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def move_walk_cursors(session: AsyncSession, person: str) -> None:
    """A restatement walk that stopped at the person goes on from the person before it (the
    persons row is gone already): the same persons are left to walk, and the id is not kept."""
    await session.execute(
        text(
            "UPDATE attribution.walks SET cursor = coalesce((SELECT max(person_id) "
            "FROM attribution.persons WHERE person_id < :p), '') WHERE cursor = :p"
        ),
        {"p": person},
    )


async def held(session: AsyncSession, values: Collection[str]) -> list[str]:
    """Which of ``values`` are persons attribution holds something of."""
    found: set[str] = set()
    for table in (*JOURNEY_TABLES, *DERIVED_TABLES):
        query = select(table.c.person_id).distinct().where(any_of(table.c.person_id, values))
        found.update((await session.execute(query)).scalars())
    return sorted(found)


async def rows_of(
    session: AsyncSession, table: Table, persons: Sequence[str]
) -> Sequence[Row[Any]]:
    query = (
        select(table).where(any_of(table.c.person_id, persons)).order_by(*table.primary_key.columns)
    )
    return (await session.execute(query)).all()


async def losses_of(session: AsyncSession, deals: Collection[str]) -> Sequence[Row[Any]]:
    if not deals:
        return []
    query = select(DEAL_LOSSES).where(any_of(DEAL_LOSSES.c.deal_id, deals))
    return (await session.execute(query.order_by(DEAL_LOSSES.c.deal_id))).all()
