"""All SQL of the feedback service."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.routing import NegativeSignal
from services.feedback.tables import CaseRow, SignalRow


async def open_case_of(session: AsyncSession, person_id: str) -> CaseRow | None:
    result = await session.execute(
        select(CaseRow)
        .where(CaseRow.person_id == person_id, CaseRow.status == "open")
        .with_for_update()
    )
    return result.scalar_one_or_none()


async def claim_signal(session: AsyncSession, signal: NegativeSignal, *, case_id: str) -> bool:
    """Stores the signal; False when this messageId was already applied."""
    result = await session.execute(
        insert(SignalRow)
        .values(
            message_id=signal.message_id,
            case_id=case_id,
            person_id=signal.person_id,
            kind=signal.kind,
            score=signal.score,
            comment=signal.comment,
            occurred_at=signal.occurred_at,
        )
        .on_conflict_do_nothing()
        .returning(SignalRow.message_id)
    )
    return result.scalar_one_or_none() is not None


async def open_case(session: AsyncSession, signal: NegativeSignal, *, case_id: str) -> CaseRow:
    row = CaseRow(
        case_id=case_id,
        person_id=signal.person_id,
        status="open",
        priority=signal.priority,
        reason=signal.reason,
        signal_count=1,
        opened_at=signal.occurred_at,
        updated_at=signal.occurred_at,
    )
    session.add(row)
    await session.flush()
    return row


async def attach(session: AsyncSession, case: CaseRow, signal: NegativeSignal) -> CaseRow:
    """Adds a signal to an open case: the most urgent priority wins, the newest reason shows."""
    case.priority = min(case.priority, signal.priority)
    case.signal_count += 1
    if signal.occurred_at >= case.updated_at:
        case.reason = signal.reason
        case.updated_at = signal.occurred_at
    await session.flush()
    return case


async def cases(session: AsyncSession, *, status: str | None, limit: int) -> list[CaseRow]:
    query = select(CaseRow).order_by(CaseRow.priority, CaseRow.opened_at).limit(limit)
    if status is not None:
        query = query.where(CaseRow.status == status)
    result = await session.execute(query)
    return list(result.scalars())
