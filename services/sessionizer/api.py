"""The sessionizer's read API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sessionizer import repository


def journeys_router(sessions: async_sessionmaker[AsyncSession]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["journeys"])

    @router.get("/journeys/{identifier}")
    async def journey(identifier: str) -> dict[str, Any]:
        """A person's identities, touchpoints and conversions, by anonymousId or userId."""
        async with sessions() as session:
            person_id = await repository.person_of(session, identifier)
            if person_id is None:
                raise HTTPException(404, f"no journey is known for identifier {identifier!r}")
            identities, touchpoints, conversions = await repository.journey(session, person_id)
        return {
            "personId": person_id,
            "identities": [row.identifier for row in identities],
            "touchpoints": [
                {
                    "touchpointId": row.touchpoint_id,
                    "sessionId": row.session_id,
                    "occurredAt": row.occurred_at,
                    "channel": row.channel,
                    "source": row.source,
                    "medium": row.medium,
                    "campaign": row.campaign,
                    "landingPage": row.landing_page,
                    "version": row.version,
                }
                for row in touchpoints
            ],
            "conversions": [
                {
                    "conversionId": row.conversion_id,
                    "occurredAt": row.occurred_at,
                    "name": row.name,
                    "revenue": str(row.revenue),
                    "currency": row.currency,
                }
                for row in conversions
            ],
        }

    return router
