"""The feedback read API."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.feedback import repository
from shared.auth import require


def cases_router(sessions: async_sessionmaker[AsyncSession]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["cases"])

    @router.get("/cases", dependencies=[Depends(require("read:cases"))])
    async def cases(
        status: Literal["open", "closed"] | None = None,
        limit: int = Query(default=100, ge=1, le=1000),
    ) -> dict[str, Any]:
        """Follow-up cases, most urgent first."""
        async with sessions() as session:
            rows = await repository.cases(session, status=status, limit=limit)
        return {
            "cases": [
                {
                    "caseId": row.case_id,
                    "personId": row.person_id,
                    "status": row.status,
                    "priority": row.priority,
                    "reason": row.reason,
                    "signals": row.signal_count,
                    "createdAt": row.opened_at,
                    "updatedAt": row.updated_at,
                }
                for row in rows
            ]
        }

    return router
