"""The case API's reads: the queue view, and one case with its history and responses. The
agents' commands are in ``commands``: reads and writes are separate routers, so each can take
its own dependencies (the scopes of an API token) in one line."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from services.feedback.api.context import Context, described, refuse
from services.feedback.api.models import (
    CaseDetailOut,
    CaseEventOut,
    CaseOut,
    CasesOut,
    ResponseOut,
)
from services.feedback.repository import cases, people, reads
from shared.api import DbSession
from shared.auth import AUTH_RESPONSES, require

StatusFilter = Literal["open", "acknowledged", "resolved", "merged", "active"]


def encode_cursor(after: reads.After) -> str:
    deadline = after.deadline.isoformat() if after.deadline else None
    raw = json.dumps([after.priority, deadline, after.case_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> reads.After:
    try:
        priority, deadline, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        at = datetime.fromisoformat(deadline) if deadline is not None else None
        return reads.After(priority=int(priority), deadline=at, case_id=str(case_id))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise refuse(
            400,
            "bad_cursor",
            "cursor is not one this API returned: pass `next` as it came",
            field="cursor",
        ) from exc


def case_reads() -> APIRouter:
    router = APIRouter(
        prefix="/v1",
        tags=["cases"],
        dependencies=[Depends(require("read:cases"))],
        responses=AUTH_RESPONSES,
    )

    @router.get("/cases", response_model=CasesOut, responses=described(400))
    async def list_cases(
        session: DbSession,
        context: Context,
        status: StatusFilter | None = None,
        queue: str | None = None,
        priority: Annotated[int | None, Query(ge=1, le=3)] = None,
        owner: str | None = None,
        person: str | None = None,
        identifier: str | None = None,
        overdue: bool = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: str | None = None,
    ) -> CasesOut:
        """Cases in the queue's order: priority (1 first), then the nearest SLA deadline.
        ``identifier``: any identifier of the person (userId, anonymousId, email:<sha256>…);
        ``overdue``: only active cases past their deadline."""
        if person is not None and identifier is not None:
            raise refuse(400, "invalid", "give person or identifier, not both", field="person")
        now = context.clock()
        if identifier is not None:
            person = await people.person_of_identifier(session, identifier) or identifier
        filters = reads.Filters(
            status=status,
            queue=queue,
            priority=priority,
            owner=owner,
            person_id=person,
            overdue_at=now if overdue else None,
        )
        after = decode_cursor(cursor) if cursor else None
        found = await reads.queue(session, filters, after=after, limit=limit + 1)
        page = found[:limit]
        nxt = None
        if len(found) > limit:
            last, deadline = page[-1]
            nxt = encode_cursor(reads.After(last.priority, deadline, last.case_id))
        return CasesOut(
            cases=[CaseOut.of(case, deadline=deadline, now=now) for case, deadline in page],
            next=nxt,
        )

    @router.get("/cases/{case_id}", response_model=CaseDetailOut, responses=described(404))
    async def get_case(case_id: str, session: DbSession, context: Context) -> CaseDetailOut:
        """One case, its history (every event, oldest first) and its responses."""
        case = await cases.one(session, case_id)
        if case is None:
            raise refuse(404, "not_found", f"no case {case_id}", field="case_id")
        deadline = await reads.deadline_of(session, case_id)
        return CaseDetailOut(
            case=CaseOut.of(case, deadline=deadline, now=context.clock()),
            history=[
                CaseEventOut.model_validate(row) for row in await reads.history(session, case_id)
            ],
            responses=[
                ResponseOut.model_validate(row)
                for row in await reads.responses_of(session, case.response_ids)
            ],
        )

    return router
