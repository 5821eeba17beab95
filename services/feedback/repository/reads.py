"""SQL of the case API's reads: the queue view, a case's history and responses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.case import ACTIVE, Case
from services.feedback.case_rows import case_of
from services.feedback.repository.sql import any_of
from services.feedback.tables import CASE_EVENTS, CASES, RESPONSES


@dataclass(frozen=True, slots=True)
class Filters:
    status: str | None = None  # a status, or "active" (open or acknowledged)
    queue: str | None = None
    priority: int | None = None
    owner: str | None = None
    person_id: str | None = None
    overdue_at: datetime | None = None  # only cases whose SLA deadline passed at this time


@dataclass(frozen=True, slots=True)
class After:
    """Where the previous page ended, in the queue's order."""

    priority: int
    deadline: datetime | None
    case_id: str


def _where(filters: Filters) -> list[ColumnElement[bool]]:
    c = CASES.c
    found: list[ColumnElement[bool]] = []
    if filters.status == "active":
        found.append(c.status.in_(ACTIVE))
    elif filters.status is not None:
        found.append(c.status == filters.status)
    for column, value in ((c.queue, filters.queue), (c.owner, filters.owner)):
        if value is not None:
            found.append(column == value)
    if filters.priority is not None:
        found.append(c.priority == filters.priority)
    if filters.person_id is not None:
        found.append(c.person_id == filters.person_id)
    if filters.overdue_at is not None:
        found.append(and_(c.status.in_(ACTIVE), c.sla_deadline <= filters.overdue_at))
    return found


def _after(after: After) -> ColumnElement[bool]:
    """Rows after ``after`` in (priority, sla_deadline NULLS LAST, case_id) order."""
    c = CASES.c
    if after.deadline is None:
        same = and_(c.sla_deadline.is_(None), c.case_id > after.case_id)
    else:
        same = or_(
            c.sla_deadline > after.deadline,
            c.sla_deadline.is_(None),
            and_(c.sla_deadline == after.deadline, c.case_id > after.case_id),
        )
    return or_(c.priority > after.priority, and_(c.priority == after.priority, same))


async def queue(
    session: AsyncSession, filters: Filters, *, after: After | None, limit: int
) -> list[tuple[Case, datetime | None]]:
    """Cases in the queue's order: most urgent first, then the nearest SLA deadline."""
    c = CASES.c
    query = (
        select(CASES)
        .where(*_where(filters), _after(after) if after else true())
        .order_by(c.priority, c.sla_deadline.asc().nulls_last(), c.case_id)
        .limit(limit)
    )
    rows = (await session.execute(query)).mappings().all()
    return [(case_of(row), row["sla_deadline"]) for row in rows]


async def deadline_of(session: AsyncSession, case_id: str) -> datetime | None:
    query = select(CASES.c.sla_deadline).where(CASES.c.case_id == case_id)
    found: datetime | None = (await session.execute(query)).scalar_one_or_none()
    return found


async def history(session: AsyncSession, case_id: str) -> list[dict[str, Any]]:
    query = (
        select(CASE_EVENTS)
        .where(CASE_EVENTS.c.case_id == case_id)
        .order_by(CASE_EVENTS.c.version, CASE_EVENTS.c.seq)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def responses_of(session: AsyncSession, message_ids: Sequence[str]) -> list[dict[str, Any]]:
    if not message_ids:
        return []
    query = (
        select(RESPONSES)
        .where(any_of(RESPONSES.c.message_id, message_ids))
        .order_by(RESPONSES.c.occurred_at, RESPONSES.c.message_id)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]
