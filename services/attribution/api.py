"""The attribution read API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution import repository
from services.attribution.repository import GroupBy


def attribution_router(
    sessions: async_sessionmaker[AsyncSession], *, models: tuple[str, ...]
) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["attribution"])

    @router.get("/attribution")
    async def attribution(
        model: str = "last_touch", group_by: GroupBy = "channel"
    ) -> dict[str, Any]:
        """Credited conversions and revenue per channel, campaign or source, per currency."""
        if model not in models:
            raise HTTPException(
                400, f"unknown model {model!r}; this service computes {', '.join(models)}"
            )
        async with sessions() as session:
            rows = await repository.totals(session, model=model, group_by=group_by)
        return {
            "model": model,
            "groupBy": group_by,
            "groups": [
                {
                    "key": key,
                    "currency": currency,
                    "conversions": str(conversions),
                    "revenue": str(revenue),
                }
                for key, currency, conversions, revenue in rows
            ],
        }

    return router
