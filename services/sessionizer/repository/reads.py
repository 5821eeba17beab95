"""What a batch reads: one statement per table, for every key of the batch at once."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    DateTime,
    Interval,
    Row,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.sessionizer.identity import IdentityNode
from services.sessionizer.links import StoredIdentity
from services.sessionizer.scope import Span
from services.sessionizer.sessions import WebEvent
from services.sessionizer.state import StoredSession
from services.sessionizer.tables import (
    ConversionRow,
    IdentityRow,
    ProcessedEventRow,
    SessionRow,
    StreamTimeRow,
    TouchpointRow,
    WebEventRow,
)
from shared.broker import Partition
from shared.events import Conversion, Touchpoint

Timestamps = ARRAY(DateTime(timezone=True))
# The two-key advisory lock that batches of every sessionizer instance take in turn.
BATCH_LOCK = (0x5E55, 1)


def table(model: type[object]) -> Table:
    # Declarative classes carry their Table, which mypy cannot see on type[object].
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


PROCESSED = table(ProcessedEventRow)
STREAM_TIMES = table(StreamTimeRow)
IDENTITIES = table(IdentityRow)
WEB_EVENTS = table(WebEventRow)
SESSIONS = table(SessionRow)
TOUCHPOINTS = table(TouchpointRow)
CONVERSIONS = table(ConversionRow)


def any_text(name: str) -> Any:
    """``= ANY(:name)`` for a list of strings, one parameter however long the list."""
    return any_(bindparam(name, type_=ARRAY(Text)))


async def take_batch_lock(session: AsyncSession) -> None:
    """One batch at a time across instances, until the transaction ends (see README)."""
    await session.execute(select(func.pg_advisory_xact_lock(*BATCH_LOCK)))


async def claim(session: AsyncSession, message_ids: Collection[str]) -> set[str]:
    """Records the messageIds as processed; returns those that were not already."""
    if not message_ids:
        return set()
    ids = select(func.unnest(bindparam("ids", type_=ARRAY(Text))))
    statement = (
        insert(PROCESSED)
        .from_select(["message_id"], ids)
        .on_conflict_do_nothing()
        .returning(PROCESSED.c.message_id)
    )
    result = await session.execute(statement, {"ids": sorted(message_ids)})
    return set(result.scalars())


async def stream_times(
    session: AsyncSession, partitions: Collection[Partition]
) -> dict[Partition, datetime]:
    topics = sorted({p.topic for p in partitions})
    query = select(STREAM_TIMES).where(STREAM_TIMES.c.topic == any_text("topics"))
    rows = (await session.execute(query, {"topics": topics})).all()
    return {Partition(row.topic, row.partition): row.stream_time for row in rows}


async def identities(session: AsyncSession, identifiers: Sequence[str]) -> list[StoredIdentity]:
    """Every identity of every person any of ``identifiers`` belongs to."""
    persons = select(IDENTITIES.c.person_id).where(IDENTITIES.c.identifier == any_text("ids"))
    # = ANY(ARRAY(…)) reads the persons' rows by index; IN (…) planned a semi-join that
    # scanned the table (18 against 34-66 ms for 2,000 identifiers among 200,000).
    persons_array = func.array(persons.scalar_subquery())
    query = select(IDENTITIES).where(IDENTITIES.c.person_id == any_(persons_array))
    rows = (await session.execute(query, {"ids": list(identifiers)})).all()
    return [
        StoredIdentity(IdentityNode(r.identifier, r.person_id, r.first_seen_at), r.version)
        for r in rows
    ]


async def sessions(
    session: AsyncSession, persons: Collection[str]
) -> list[tuple[str, StoredSession]]:
    query = select(SESSIONS).where(SESSIONS.c.person_id == any_text("persons"))
    rows = (await session.execute(query, {"persons": sorted(persons)})).all()
    return [
        (r.person_id, StoredSession(r.session_id, r.started_at, r.last_event_at, r.event_count))
        for r in rows
    ]


async def touchpoints(
    session: AsyncSession, ranges: Mapping[str, Sequence[Span]]
) -> list[Touchpoint]:
    """The touchpoints dated in each person's time ranges (inclusive), retracted ones too (a
    session can come back)."""
    rows = await _in_ranges(session, TOUCHPOINTS, TOUCHPOINTS.c.occurred_at, ranges)
    return [Touchpoint.model_validate(dict(row._mapping)) for row in rows]


async def conversions(session: AsyncSession, persons: Collection[str]) -> list[Conversion]:
    if not persons:
        return []
    query = select(CONVERSIONS).where(CONVERSIONS.c.person_id == any_text("persons"))
    rows = (await session.execute(query, {"persons": sorted(persons)})).all()
    return [Conversion.model_validate(dict(row._mapping)) for row in rows]


async def web_events(
    session: AsyncSession, ranges: Mapping[str, Sequence[Span]]
) -> list[tuple[str, WebEvent]]:
    """(person, event) of the stored web events in each person's time ranges (inclusive)."""
    rows = await _in_ranges(session, WEB_EVENTS, WEB_EVENTS.c.occurred_at, ranges)
    return [
        (
            r.person_id,
            WebEvent(
                message_id=r.message_id,
                at=r.occurred_at,
                channel=r.channel,
                source=r.source,
                medium=r.medium,
                campaign=r.campaign,
                landing_page=r.landing_page,
                tagged=r.tagged,
            ),
        )
        for r in rows
    ]


async def _in_ranges(
    session: AsyncSession,
    target: Table,
    moment: ColumnElement[datetime],
    ranges: Mapping[str, Sequence[Span]],
) -> Sequence[Row[Any]]:
    """The rows of ``target`` whose person and ``moment`` fall in one of the ranges."""
    spans = [(person, low, high) for person, found in sorted(ranges.items()) for low, high in found]
    if not spans:
        return []
    bounds = (
        func.unnest(
            bindparam("persons", type_=ARRAY(Text)),
            bindparam("lows", type_=Timestamps),
            bindparam("highs", type_=Timestamps),
        )
        .table_valued("person_id", "low", "high")
        .render_derived(name="r")
    )
    within = moment.between(bounds.c.low, bounds.c.high)
    query = select(target).join(bounds, and_(target.c.person_id == bounds.c.person_id, within))
    persons, lows, highs = (list(column) for column in zip(*spans, strict=True))
    params = {"persons": persons, "lows": lows, "highs": highs}
    return (await session.execute(query, params)).all()


async def open_sessions(session: AsyncSession, *, within: timedelta) -> int | None:
    """Sessions whose last event is within ``within`` of the newest stream time (None before
    any event)."""
    newest = select(func.max(STREAM_TIMES.c.stream_time)).scalar_subquery()
    horizon = newest - bindparam("within", type_=Interval)
    query = (
        select(func.count(), newest).select_from(SESSIONS).where(SESSIONS.c.last_event_at > horizon)
    )
    count, moment = (await session.execute(query, {"within": within})).one()
    return None if moment is None else int(count)
