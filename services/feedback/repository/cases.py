"""SQL of cases and their history."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.case import ACTIVE, Case
from services.feedback.case_rows import case_of, row_of
from services.feedback.policy import SlaPolicy
from services.feedback.repository.sql import any_of
from services.feedback.tables import CASE_EVENTS, CASES
from shared.events import CaseEventRecord

LATEST = """
SELECT * FROM feedback.cases WHERE case_id IN (
    SELECT DISTINCT ON (person_id) case_id FROM feedback.cases
    WHERE person_id IN (SELECT unnest(CAST(:ids AS text[]))) AND status <> 'merged'
    ORDER BY person_id, status IN ('open', 'acknowledged') DESC,
             coalesce(resolved_at, updated_at) DESC, case_id
)
ORDER BY case_id
FOR UPDATE
"""


async def latest(session: AsyncSession, person_ids: Collection[str]) -> dict[str, Case]:
    """Each person's active case, else their most recently resolved one, locked for update in
    case_id order (one order for every locker: no deadlock), in one statement."""
    if not person_ids:
        return {}
    rows = (await session.execute(text(LATEST), {"ids": list(person_ids)})).mappings()
    return {case.person_id: case for case in map(case_of, rows)}


async def of_persons(session: AsyncSession, person_ids: Collection[str]) -> list[Case]:
    """Every case of these persons but the merged ones, locked for update."""
    if not person_ids:
        return []
    query = select(CASES.c.case_id).where(
        any_of(CASES.c.person_id, person_ids), CASES.c.status != "merged"
    )
    return await locked(session, (await session.execute(query)).scalars().all())


async def locked(session: AsyncSession, case_ids: Collection[str]) -> list[Case]:
    """The cases, locked in case_id order (one order for every locker: no deadlock)."""
    if not case_ids:
        return []
    query = (
        select(CASES).where(any_of(CASES.c.case_id, case_ids)).order_by(CASES.c.case_id)
    ).with_for_update()
    return [case_of(row) for row in (await session.execute(query)).mappings()]


async def due(session: AsyncSession, now: datetime, *, limit: int) -> list[Case]:
    """Active cases with an SLA level due by ``now``; rows a batch or an API call holds are
    skipped (the next run gets them), so the job never waits for them."""
    query = (
        select(CASES)
        .where(CASES.c.next_due_at <= now, CASES.c.status.in_(ACTIVE))
        .order_by(CASES.c.case_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [case_of(row) for row in (await session.execute(query)).mappings()]


async def save(session: AsyncSession, cases: Iterable[Case], *, policy: SlaPolicy) -> int:
    """One upsert for every case the batch changed (its final state)."""
    rows = [row_of(case, policy=policy) for case in cases]
    if not rows:
        return 0
    statement = insert(CASES)
    columns = [name for name in rows[0] if name != "case_id"]
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CASES.c.case_id],
            set_={name: statement.excluded[name] for name in columns},
        ),
        rows,
    )
    return len(rows)


async def append_events(session: AsyncSession, records: Sequence[CaseEventRecord]) -> int:
    if not records:
        return 0
    await session.execute(
        insert(CASE_EVENTS).on_conflict_do_nothing(),
        [
            {
                "case_id": r.case_id,
                "version": r.version,
                "seq": r.seq,
                "kind": r.kind,
                "person_id": r.person_id,
                "at": r.at,
                "by": r.by,
                "detail": r.detail,
            }
            for r in records
        ],
    )
    return len(records)


async def one(session: AsyncSession, case_id: str, *, for_update: bool = False) -> Case | None:
    query = select(CASES).where(CASES.c.case_id == case_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().one_or_none()
    return case_of(row) if row is not None else None


async def active_of(session: AsyncSession, person_id: str) -> str | None:
    query = select(CASES.c.case_id).where(
        CASES.c.person_id == person_id, CASES.c.status.in_(ACTIVE)
    )
    found: str | None = (await session.execute(query)).scalar_one_or_none()
    return found


async def open_by_priority(session: AsyncSession) -> dict[int, int]:
    query = (
        select(CASES.c.priority, func.count())
        .where(CASES.c.status.in_(ACTIVE))
        .group_by(CASES.c.priority)
    )
    return {int(p): int(n) for p, n in (await session.execute(query)).all()}
