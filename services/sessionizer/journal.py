"""Read queries of the sessionizer's API (kept apart from the write path in repository.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessionizer.tables import (
    ConversionRow,
    IdentityRow,
    SessionRow,
    TouchpointRow,
)


async def person_of(session: AsyncSession, identifier: str) -> str | None:
    result = await session.execute(
        select(IdentityRow.person_id).where(IdentityRow.identifier == identifier)
    )
    return result.scalar_one_or_none()


async def identities(session: AsyncSession, person_id: str) -> list[IdentityRow]:
    result = await session.execute(
        select(IdentityRow)
        .where(IdentityRow.person_id == person_id)
        .order_by(IdentityRow.first_seen_at, IdentityRow.identifier)
    )
    return list(result.scalars())


Cursor = tuple[datetime, str]


async def touchpoints(
    session: AsyncSession, person_id: str, *, after: Cursor | None, limit: int
) -> list[TouchpointRow]:
    """One page of the person's live touchpoints in time order, after the ``(time, id)``
    cursor of the previous page."""
    query = (
        select(TouchpointRow)
        .where(TouchpointRow.person_id == person_id, TouchpointRow.retracted.is_(False))
        .order_by(TouchpointRow.occurred_at, TouchpointRow.touchpoint_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            tuple_(TouchpointRow.occurred_at, TouchpointRow.touchpoint_id)
            > tuple_(literal(after[0]), literal(after[1]))
        )
    return list((await session.execute(query)).scalars())


async def sessions(
    session: AsyncSession, person_id: str, *, after: datetime | None, until: datetime | None
) -> list[SessionRow]:
    """The person's sessions starting in (after, until]: the page the touchpoints cover."""
    query = (
        select(SessionRow)
        .where(SessionRow.person_id == person_id)
        .order_by(SessionRow.started_at, SessionRow.session_id)
    )
    if after is not None:
        query = query.where(SessionRow.started_at > after)
    if until is not None:
        query = query.where(SessionRow.started_at <= until)
    return list((await session.execute(query)).scalars())


async def conversions(session: AsyncSession, person_id: str) -> list[ConversionRow]:
    result = await session.execute(
        select(ConversionRow)
        .where(ConversionRow.person_id == person_id)
        .order_by(ConversionRow.occurred_at, ConversionRow.conversion_id)
    )
    return list(result.scalars())
