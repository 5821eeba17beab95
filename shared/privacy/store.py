"""SQL of the erasure queue and records (shared/privacy/tables.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.privacy import ErasureRecord, Pending


async def applied_positions(
    session: AsyncSession, erasures: Table, request_ids: Collection[str]
) -> set[str]:
    """The positions of the records already applied for these requests."""
    if not request_ids:
        return set()
    query = select(erasures.c.positions).where(erasures.c.request_id.in_(sorted(request_ids)))
    return {position for row in (await session.execute(query)).scalars() for position in row}


async def enqueue(
    session: AsyncSession, queue: Table, pending: Sequence[Pending], *, due_at: datetime
) -> None:
    if not pending:
        return
    rows = [
        {
            "position": p.position,
            "request_id": p.request_id,
            "person_id": p.person_id,
            "identifiers": list(p.identifiers),
            "received_at": p.received_at,
            "due_at": due_at,
        }
        for p in pending
    ]
    await session.execute(insert(queue).on_conflict_do_nothing(), rows)


async def due(session: AsyncSession, queue: Table, *, now: datetime, limit: int) -> list[Pending]:
    """The oldest erasures due by ``now``, locked (another instance's job skips them)."""
    query = (
        select(queue)
        .where(queue.c.due_at <= now)
        .order_by(queue.c.due_at, queue.c.position)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [
        Pending(
            position=row.position,
            request_id=row.request_id,
            person_id=row.person_id,
            identifiers=tuple(row.identifiers),
            received_at=row.received_at,
        )
        for row in (await session.execute(query)).all()
    ]


async def forget(session: AsyncSession, queue: Table, positions: Collection[str]) -> None:
    if positions:
        await session.execute(delete(queue).where(queue.c.position.in_(sorted(positions))))


async def record_of(
    session: AsyncSession, erasures: Table, request_id: str, *, lock: bool = False
) -> ErasureRecord | None:
    query = select(erasures).where(erasures.c.request_id == request_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    return ErasureRecord(
        request_id=row.request_id,
        persons=row.persons,
        rows=dict(row.rows),
        positions=tuple(row.positions),
        received_at=row.received_at,
        erased_at=row.erased_at,
    )


async def save_record(session: AsyncSession, erasures: Table, record: ErasureRecord) -> None:
    values = {
        "request_id": record.request_id,
        "persons": record.persons,
        "rows": record.rows,
        "positions": list(record.positions),
        "received_at": record.received_at,
        "erased_at": record.erased_at,
    }
    statement = insert(erasures).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[erasures.c.request_id],
            set_={name: statement.excluded[name] for name in values if name != "request_id"},
        )
    )


async def waiting(session: AsyncSession, queue: Table, request_id: str) -> list[datetime]:
    """When each record of the request still waiting is due."""
    query = select(queue.c.due_at).where(queue.c.request_id == request_id)
    return sorted((await session.execute(query)).scalars())
