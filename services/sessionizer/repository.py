"""All SQL of the sessionizer. Every write is an idempotent upsert keyed by a derived id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessionizer.sessions import SessionState
from services.sessionizer.tables import (
    ConversionRow,
    IdentityRow,
    ProcessedEventRow,
    SessionRow,
    TouchpointRow,
)
from shared.events import Conversion, Touchpoint


async def claim_event(session: AsyncSession, message_id: str) -> bool:
    """Records the event as applied; False when it already was (a duplicate or a redelivery)."""
    result = await session.execute(
        insert(ProcessedEventRow)
        .values(message_id=message_id)
        .on_conflict_do_nothing()
        .returning(ProcessedEventRow.message_id)
    )
    return result.scalar_one_or_none() is not None


async def persons_of(session: AsyncSession, identifiers: Sequence[str]) -> list[IdentityRow]:
    """Known identities among ``identifiers``, oldest first."""
    result = await session.execute(
        select(IdentityRow)
        .where(IdentityRow.identifier.in_(identifiers))
        .order_by(IdentityRow.first_seen_at, IdentityRow.person_id)
    )
    return list(result.scalars())


async def link(
    session: AsyncSession, identifiers: Sequence[str], *, person_id: str, seen_at: datetime
) -> None:
    if not identifiers:
        return
    rows = [
        {"identifier": i, "person_id": person_id, "first_seen_at": seen_at} for i in identifiers
    ]
    await session.execute(insert(IdentityRow).values(rows).on_conflict_do_nothing())


async def session_around(
    session: AsyncSession, person_id: str, at: datetime, *, gap: timedelta
) -> SessionState | None:
    """The person's session closest to ``at`` among those that ``at`` could belong to."""
    result = await session.execute(
        select(SessionRow)
        .where(
            SessionRow.person_id == person_id,
            SessionRow.started_at - gap <= at,
            SessionRow.last_event_at + gap >= at,
        )
        .order_by(SessionRow.last_event_at.desc())
        .limit(1)
    )
    row = result.scalar_one_or_none()
    if row is None:
        return None
    return SessionState(
        session_id=row.session_id,
        person_id=row.person_id,
        started_at=row.started_at,
        last_event_at=row.last_event_at,
        event_count=row.event_count,
    )


async def save_session(session: AsyncSession, state: SessionState) -> None:
    values = {
        "session_id": state.session_id,
        "person_id": state.person_id,
        "started_at": state.started_at,
        "last_event_at": state.last_event_at,
        "event_count": state.event_count,
    }
    statement = insert(SessionRow).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SessionRow.session_id],
            set_={
                "started_at": statement.excluded.started_at,
                "last_event_at": statement.excluded.last_event_at,
                "event_count": statement.excluded.event_count,
            },
        )
    )


async def save_touchpoint(session: AsyncSession, touchpoint: Touchpoint) -> None:
    values = touchpoint.model_dump(exclude={"kind"})
    await session.execute(insert(TouchpointRow).values(values).on_conflict_do_nothing())


async def save_conversion(session: AsyncSession, conversion: Conversion) -> None:
    values = conversion.model_dump(exclude={"kind"})
    await session.execute(insert(ConversionRow).values(values).on_conflict_do_nothing())


async def person_of(session: AsyncSession, identifier: str) -> str | None:
    result = await session.execute(
        select(IdentityRow.person_id).where(IdentityRow.identifier == identifier)
    )
    return result.scalar_one_or_none()


async def journey(
    session: AsyncSession, person_id: str
) -> tuple[list[IdentityRow], list[TouchpointRow], list[ConversionRow]]:
    identities = await session.execute(
        select(IdentityRow)
        .where(IdentityRow.person_id == person_id)
        .order_by(IdentityRow.first_seen_at)
    )
    touchpoints = await session.execute(
        select(TouchpointRow)
        .where(TouchpointRow.person_id == person_id)
        .order_by(TouchpointRow.occurred_at)
    )
    conversions = await session.execute(
        select(ConversionRow)
        .where(ConversionRow.person_id == person_id)
        .order_by(ConversionRow.occurred_at)
    )
    return list(identities.scalars()), list(touchpoints.scalars()), list(conversions.scalars())
