"""All SQL of the sessionizer. Writes are upserts keyed by ids derived from content."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessionizer.identity import IdentityNode
from services.sessionizer.sessions import Session, WebEvent
from services.sessionizer.tables import (
    ConversionRow,
    IdentityRow,
    MergeRow,
    ProcessedEventRow,
    SessionRow,
    StreamTimeRow,
    TouchpointRow,
    WebEventRow,
)
from shared.events import Conversion, Touchpoint

TOUCHPOINT_FIELDS = (
    "person_id",
    "session_id",
    "occurred_at",
    "channel",
    "source",
    "medium",
    "campaign",
    "landing_page",
    "touch_type",
    "version",
    "retracted",
)


async def claim_event(session: AsyncSession, message_id: str) -> bool:
    """Records the event as applied; False when it already was (a duplicate or a redelivery)."""
    result = await session.execute(
        insert(ProcessedEventRow)
        .values(message_id=message_id)
        .on_conflict_do_nothing()
        .returning(ProcessedEventRow.message_id)
    )
    return result.scalar_one_or_none() is not None


async def stream_time(session: AsyncSession, topic: str, partition: int) -> datetime | None:
    result = await session.execute(
        select(StreamTimeRow.stream_time).where(
            StreamTimeRow.topic == topic, StreamTimeRow.partition == partition
        )
    )
    return result.scalar_one_or_none()


async def advance_stream_time(
    session: AsyncSession, topic: str, partition: int, at: datetime
) -> None:
    statement = insert(StreamTimeRow).values(topic=topic, partition=partition, stream_time=at)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[StreamTimeRow.topic, StreamTimeRow.partition],
            set_={
                "stream_time": func.greatest(
                    StreamTimeRow.stream_time, statement.excluded.stream_time
                )
            },
        )
    )


async def max_stream_time(session: AsyncSession) -> datetime | None:
    return (await session.execute(select(func.max(StreamTimeRow.stream_time)))).scalar()


async def lock(session: AsyncSession, keys: Collection[str]) -> None:
    """Serialises work on the same identifiers/persons across sessionizer instances; sorted,
    so two transactions never wait on each other in a cycle."""
    for key in sorted(set(keys)):
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


async def component(session: AsyncSession, identifiers: Sequence[str]) -> list[IdentityNode]:
    """Every node of every person any of ``identifiers`` belongs to."""
    persons = select(IdentityRow.person_id).where(IdentityRow.identifier.in_(identifiers))
    result = await session.execute(select(IdentityRow).where(IdentityRow.person_id.in_(persons)))
    return [
        IdentityNode(row.identifier, row.person_id, row.first_seen_at) for row in result.scalars()
    ]


async def write_identities(session: AsyncSession, nodes: Sequence[IdentityNode]) -> None:
    if not nodes:
        return
    statement = insert(IdentityRow).values(
        [
            {"identifier": n.identifier, "person_id": n.person_id, "first_seen_at": n.first_seen_at}
            for n in nodes
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[IdentityRow.identifier],
            set_={
                "person_id": statement.excluded.person_id,
                "first_seen_at": statement.excluded.first_seen_at,
            },
        )
    )


async def record_merges(
    session: AsyncSession, absorbed: Collection[str], *, into: str, message_id: str, at: datetime
) -> None:
    rows = [
        {"absorbed_person_id": p, "into_person_id": into, "message_id": message_id, "merged_at": at}
        for p in sorted(absorbed)
    ]
    await session.execute(insert(MergeRow).values(rows).on_conflict_do_nothing())


async def rekey(
    session: AsyncSession, absorbed: Collection[str], *, into: str
) -> tuple[list[Touchpoint], list[Conversion]]:
    """Moves the absorbed persons' journeys to ``into``; returns the touchpoints and
    conversions that changed hands, with their new version."""
    ids = list(absorbed)
    for table in (WebEventRow, SessionRow):
        await session.execute(update(table).where(table.person_id.in_(ids)).values(person_id=into))
    touchpoints = await session.execute(
        update(TouchpointRow)
        .where(TouchpointRow.person_id.in_(ids))
        .values(person_id=into, version=TouchpointRow.version + 1)
        .returning(TouchpointRow)
    )
    conversions = await session.execute(
        update(ConversionRow)
        .where(ConversionRow.person_id.in_(ids))
        .values(person_id=into, version=ConversionRow.version + 1)
        .returning(ConversionRow)
    )
    return (
        [touchpoint_of(row) for row in touchpoints.scalars()],
        [conversion_of(row) for row in conversions.scalars()],
    )


async def save_web_event(session: AsyncSession, event: WebEvent, *, person_id: str) -> None:
    await session.execute(
        insert(WebEventRow)
        .values(
            message_id=event.message_id,
            person_id=person_id,
            occurred_at=event.at,
            channel=event.channel,
            source=event.source,
            medium=event.medium,
            campaign=event.campaign,
            landing_page=event.landing_page,
            tagged=event.tagged,
        )
        .on_conflict_do_nothing()
    )


class SessionSpan(NamedTuple):
    session_id: str
    started_at: datetime
    last_event_at: datetime


async def session_spans(session: AsyncSession, person_id: str) -> list[SessionSpan]:
    result = await session.execute(
        select(SessionRow.session_id, SessionRow.started_at, SessionRow.last_event_at).where(
            SessionRow.person_id == person_id
        )
    )
    return [SessionSpan(*row) for row in result.all()]


async def web_events(
    session: AsyncSession,
    person_id: str,
    *,
    low: datetime | None = None,
    high: datetime | None = None,
) -> list[WebEvent]:
    query = select(WebEventRow).where(WebEventRow.person_id == person_id)
    if low is not None and high is not None:
        query = query.where(WebEventRow.occurred_at.between(low, high))
    return [web_event_of(row) for row in (await session.execute(query)).scalars()]


def web_event_of(row: WebEventRow) -> WebEvent:
    return WebEvent(
        message_id=row.message_id,
        at=row.occurred_at,
        channel=row.channel,
        source=row.source,
        medium=row.medium,
        campaign=row.campaign,
        landing_page=row.landing_page,
        tagged=row.tagged,
    )


async def last_tagged_before(
    session: AsyncSession, person_id: str, *, before: datetime, since: datetime
) -> WebEvent | None:
    result = await session.execute(
        select(WebEventRow)
        .where(
            WebEventRow.person_id == person_id,
            WebEventRow.tagged,
            WebEventRow.occurred_at >= since,
            WebEventRow.occurred_at < before,
        )
        .order_by(WebEventRow.occurred_at.desc(), WebEventRow.message_id.desc())
        .limit(1)
    )
    row = result.scalar_one_or_none()
    return None if row is None else web_event_of(row)


async def touchpoints_by_id(
    session: AsyncSession, ids: Collection[str]
) -> dict[str, TouchpointRow]:
    if not ids:
        return {}
    result = await session.execute(
        select(TouchpointRow).where(TouchpointRow.touchpoint_id.in_(list(ids)))
    )
    return {row.touchpoint_id: row for row in result.scalars()}


async def save_session(session: AsyncSession, state: Session, *, person_id: str) -> None:
    statement = insert(SessionRow).values(
        session_id=state.session_id,
        person_id=person_id,
        started_at=state.started_at,
        last_event_at=state.last_event_at,
        event_count=state.event_count,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SessionRow.session_id],
            set_={
                name: statement.excluded[name]
                for name in ("person_id", "started_at", "last_event_at", "event_count")
            },
        )
    )


async def delete_sessions(session: AsyncSession, ids: Collection[str]) -> None:
    if ids:
        await session.execute(delete(SessionRow).where(SessionRow.session_id.in_(list(ids))))


async def save_touchpoint(session: AsyncSession, touchpoint: Touchpoint) -> None:
    values = touchpoint.model_dump(include={"touchpoint_id", *TOUCHPOINT_FIELDS})
    statement = insert(TouchpointRow).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[TouchpointRow.touchpoint_id],
            set_={name: statement.excluded[name] for name in TOUCHPOINT_FIELDS},
        )
    )


async def save_conversion(session: AsyncSession, conversion: Conversion) -> None:
    # The deal key travels on the wire only: attribution keeps the first one it saw.
    values = conversion.model_dump(exclude={"kind", "deal_id"})
    await session.execute(insert(ConversionRow).values(values).on_conflict_do_nothing())


async def count_open_sessions(session: AsyncSession, *, ended_after: datetime) -> int:
    result = await session.execute(
        select(func.count()).select_from(SessionRow).where(SessionRow.last_event_at > ended_after)
    )
    return int(result.scalar_one())


def touchpoint_of(row: TouchpointRow) -> Touchpoint:
    return Touchpoint(
        touchpoint_id=row.touchpoint_id, **{name: getattr(row, name) for name in TOUCHPOINT_FIELDS}
    )


def conversion_of(row: ConversionRow) -> Conversion:
    return Conversion(
        conversion_id=row.conversion_id,
        person_id=row.person_id,
        occurred_at=row.occurred_at,
        name=row.name,
        revenue=row.revenue,
        currency=row.currency,
        stage=row.stage,
        version=row.version,
    )
