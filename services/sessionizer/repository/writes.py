"""What a batch writes: one ``INSERT … SELECT FROM unnest(…)`` per table, one array per column.

Measured on the development machine against asyncpg's ``executemany``, COPY into a temporary
table, and multi-row VALUES (``python -m bench.sessionizer.bulk``, README): unnest is the fastest
at the row counts of a batch, and, being one statement, it fails or succeeds whole, which the
consumer loop's isolation of a poison record relies on. Rows are sorted by key, so two
transactions never lock the same rows in opposite orders.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    DateTime,
    Numeric,
    String,
    Table,
    Text,
    any_,
    bindparam,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from services.sessionizer.links import IdentityGraph
from services.sessionizer.repository.reads import (
    CONVERSIONS,
    IDENTITIES,
    SESSIONS,
    STREAM_TIMES,
    TOUCHPOINTS,
    WEB_EVENTS,
    table,
)
from services.sessionizer.state import JourneyState
from services.sessionizer.tables import MergeRow
from shared.broker import Partition

MERGES = table(MergeRow)
Wrote = Callable[[str, int], None]
Row = tuple[Any, ...]
STREAM_TIME_COLUMNS = ("topic", "partition", "stream_time")
IDENTITY_COLUMNS = ("identifier", "person_id", "first_seen_at", "version")
MERGE_COLUMNS = ("absorbed_person_id", "into_person_id", "message_id", "merged_at")
WEB_FIELDS = ("at", "channel", "source", "medium", "campaign", "landing_page", "tagged")
WEB_EVENT_COLUMNS = ("message_id", "person_id", "occurred_at", *WEB_FIELDS[1:])
SESSION_COLUMNS = ("session_id", "person_id", "started_at", "last_event_at", "event_count")
TOUCHPOINT_COLUMNS = (
    "touchpoint_id",
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
CONVERSION_COLUMNS = (
    "conversion_id",
    "person_id",
    "occurred_at",
    "name",
    "revenue",
    "currency",
    "stage",
    "version",
)


def _array_of(column: Column[Any]) -> ARRAY[Any]:
    # Unbounded element types: a cast to varchar(n) would cut an over-long value silently,
    # where the column's own assignment refuses it (SQLSTATE 22001, a dead letter).
    kind: TypeEngine[Any] = column.type
    if isinstance(kind, String):
        kind = Text()
    elif isinstance(kind, DateTime):
        kind = DateTime(timezone=True)
    elif isinstance(kind, Numeric):
        kind = Numeric()
    return ARRAY(kind)


@functools.cache
def _upsert(target: Table, columns: tuple[str, ...], update: tuple[str, ...]) -> Insert:
    arrays = [bindparam(name, type_=_array_of(target.c[name])) for name in columns]
    rows = select(func.unnest(*arrays).table_valued(*columns).render_derived(name="r"))
    statement = insert(target).from_select(list(columns), rows)
    keys = [column.name for column in target.primary_key]
    if not update:
        return statement.on_conflict_do_nothing(index_elements=keys)
    if target is STREAM_TIMES:  # a stream time never goes back
        latest = func.greatest(target.c.stream_time, statement.excluded.stream_time)
        return statement.on_conflict_do_update(index_elements=keys, set_={"stream_time": latest})
    return statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in update}
    )


async def _write(
    session: AsyncSession,
    target: Table,
    columns: tuple[str, ...],
    rows: Sequence[Row],
    *,
    update: tuple[str, ...],
    wrote: Wrote,
) -> None:
    if not rows:
        return
    ordered = sorted(rows, key=lambda row: row[: len(target.primary_key)])
    arrays = zip(*ordered, strict=True)
    params = {name: list(values) for name, values in zip(columns, arrays, strict=True)}
    await session.execute(_upsert(target, columns, update), params)
    wrote(target.name, len(rows))


async def stream_times(
    session: AsyncSession, moved: Mapping[Partition, datetime], *, wrote: Wrote
) -> None:
    rows = [(p.topic, p.partition, at) for p, at in moved.items()]
    update = ("stream_time",)
    await _write(session, STREAM_TIMES, STREAM_TIME_COLUMNS, rows, update=update, wrote=wrote)


async def identities(session: AsyncSession, graph: IdentityGraph, *, wrote: Wrote) -> None:
    rows = [
        (i, graph.nodes[i].person_id, graph.nodes[i].first_seen_at, graph.versions[i])
        for i in graph.changed
    ]
    update = IDENTITY_COLUMNS[1:]
    await _write(session, IDENTITIES, IDENTITY_COLUMNS, rows, update=update, wrote=wrote)


async def journeys(session: AsyncSession, state: JourneyState, *, wrote: Wrote) -> None:
    """Every row of ``state`` that the batch changed, one statement per table."""
    # A pair merged twice in a batch keeps its first merge, as a second insert would.
    firsts = {(m.absorbed_person_id, m.into_person_id): m for m in reversed(state.merges)}
    merges = [(*pair, m.message_id, m.merged_at) for pair, m in firsts.items()]
    await _write(session, MERGES, MERGE_COLUMNS, merges, update=(), wrote=wrote)
    web = [(e.message_id, person, *_fields(e, WEB_FIELDS)) for person, e in state.web.written()]
    # A stored web event only ever changes person (a merge).
    await _write(session, WEB_EVENTS, WEB_EVENT_COLUMNS, web, update=("person_id",), wrote=wrote)
    await _sessions(session, state, wrote=wrote)
    touchpoints = [_fields(t, TOUCHPOINT_COLUMNS) for _, t in state.touchpoints.written()]
    changed = TOUCHPOINT_COLUMNS[1:]
    await _write(session, TOUCHPOINTS, TOUCHPOINT_COLUMNS, touchpoints, update=changed, wrote=wrote)
    conversions = [_fields(c, CONVERSION_COLUMNS) for _, c in state.conversions.written()]
    # A stored conversion only ever changes person, with a new version.
    moved = ("person_id", "version")
    await _write(session, CONVERSIONS, CONVERSION_COLUMNS, conversions, update=moved, wrote=wrote)


async def _sessions(session: AsyncSession, state: JourneyState, *, wrote: Wrote) -> None:
    gone = sorted(state.sessions.removed)
    if gone:
        ids = any_(bindparam("ids", type_=ARRAY(Text)))
        await session.execute(delete(SESSIONS).where(SESSIONS.c.session_id == ids), {"ids": gone})
        wrote(f"{SESSIONS.name}_deleted", len(gone))
    rows = [
        (s.session_id, person, s.started_at, s.last_event_at, s.event_count)
        for person, s in state.sessions.written()
    ]
    update = SESSION_COLUMNS[1:]
    await _write(session, SESSIONS, SESSION_COLUMNS, rows, update=update, wrote=wrote)


def _fields(record: object, names: tuple[str, ...]) -> Row:
    return tuple(getattr(record, name) for name in names)
