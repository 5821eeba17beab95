"""The feedback read API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from services.feedback import repository
from services.feedback.tables import CaseRow
from shared.api import ApiModel, DbSession
from shared.auth import AUTH_RESPONSES, require


class CaseOut(ApiModel):
    case_id: str
    person_id: str
    status: str
    priority: int
    reason: str
    signals: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: CaseRow) -> CaseOut:
        return cls(
            case_id=row.case_id,
            person_id=row.person_id,
            status=row.status,
            priority=row.priority,
            reason=row.reason,
            signals=row.signal_count,
            created_at=row.opened_at,
            updated_at=row.updated_at,
        )


class CasesOut(ApiModel):
    cases: list[CaseOut]


def cases_router() -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["cases"], responses=AUTH_RESPONSES)

    @router.get("/cases", response_model=CasesOut, dependencies=[Depends(require("read:cases"))])
    async def cases(
        session: DbSession,
        status: Literal["open", "closed"] | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> CasesOut:
        """Follow-up cases, most urgent first."""
        rows = await repository.cases(session, status=status, limit=limit)
        return CasesOut(cases=[CaseOut.of(row) for row in rows])

    return router
