"""What every consuming service answers about erasures: the state of one request
(``GET /v1/privacy/erasures/{request_id}``, scope ``privacy:erase``), and the checks its
export route applies to what it is asked for."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query

from shared.api import ApiModel, DbSession
from shared.auth import AUTH_RESPONSES, require
from shared.privacy import checked_identifiers
from shared.privacy import store as erasure_store
from shared.privacy.tables import ErasureTables

Also = Annotated[
    list[str] | None,
    Query(
        description="More identifiers or person ids of the same person (the export CLI passes "
        "the sessionizer's), repeated: `also=u-1&also=<person id>`",
    ),
]


class ErasureStatusOut(ApiModel):
    request_id: str
    service: str
    # pending: received, waiting for its delay or its job; done: applied, nothing waiting.
    state: Literal["pending", "done"]
    # Persons erased so far (downstream, one per PersonErased the sessionizer announced).
    persons: int
    waiting: int
    due_at: datetime | None
    received_at: datetime | None
    erased_at: datetime | None
    rows: dict[str, int]


def erasure_status_router(tables: ErasureTables, *, service: str) -> APIRouter:
    router = APIRouter(
        prefix="/v1/privacy",
        tags=["privacy"],
        dependencies=[Depends(require("privacy:erase"))],
        responses=AUTH_RESPONSES,
    )

    @router.get(
        "/erasures/{request_id}",
        response_model=ErasureStatusOut,
        responses={404: {"description": "This service never received this erasure request"}},
    )
    async def erasure(request_id: str, session: DbSession) -> ErasureStatusOut:
        """What this service did of an erasure request: how many persons and rows of which
        table it erased (never who), and whether any of it still waits."""
        if len(request_id) > 64 or "\x00" in request_id:
            raise HTTPException(404, f"no erasure request {request_id!r} here")
        record = await erasure_store.record_of(session, tables.erasures, request_id)
        due = await erasure_store.waiting(session, tables.queue, request_id)
        if record is None and not due:
            raise HTTPException(404, f"no erasure request {request_id!r} here")
        return ErasureStatusOut(
            request_id=request_id,
            service=service,
            state="pending" if due else "done",
            persons=record.persons if record else 0,
            waiting=len(due),
            due_at=due[0] if due else None,
            received_at=record.received_at if record else None,
            erased_at=record.erased_at if record else None,
            rows=record.rows if record else {},
        )

    return router


def asked(identifier: str, also: list[str] | None) -> list[str]:
    """The identifiers (or person ids) an export is asked for, checked: 400 naming the fix."""
    try:
        return checked_identifiers([identifier, *(also or ())])
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
