"""The sessionizer's read API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sessionizer import journal
from services.sessionizer.tables import TouchpointRow
from shared.auth import require


def parse_cursor(cursor: str | None) -> journal.Cursor | None:
    if not cursor:
        return None
    moment, _, touchpoint_id = cursor.partition("|")
    try:
        return datetime.fromisoformat(moment), touchpoint_id
    except ValueError as exc:
        raise HTTPException(400, "cursor must be the `next` value of a previous page") from exc


def touchpoint_json(row: TouchpointRow) -> dict[str, Any]:
    return {
        "touchpointId": row.touchpoint_id,
        "type": row.touch_type,
        "sessionId": row.session_id,
        "occurredAt": row.occurred_at,
        "channel": row.channel,
        "source": row.source,
        "medium": row.medium,
        "campaign": row.campaign,
        "landingPage": row.landing_page,
        "version": row.version,
    }


def journeys_router(sessions: async_sessionmaker[AsyncSession]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["journeys"])

    @router.get("/journeys/{identifier}", dependencies=[Depends(require("read:journeys"))])
    async def journey(
        identifier: str, limit: int = Query(default=100, ge=1, le=1000), cursor: str | None = None
    ) -> dict[str, Any]:
        """A person's journey by any identifier (anonymousId, userId, ``email:<sha256>``,
        ``hubspot_contact:<id>``…): identities, conversions, and one page of touchpoints with
        the sessions they cover. Pass ``next`` back as ``cursor`` for the following page."""
        after = parse_cursor(cursor)
        async with sessions() as session:
            person_id = await journal.person_of(session, identifier)
            if person_id is None:
                raise HTTPException(404, f"no journey is known for identifier {identifier!r}")
            touchpoints = await journal.touchpoints(
                session, person_id, after=after, limit=limit + 1
            )
            page, more = touchpoints[:limit], len(touchpoints) > limit
            until = page[-1].occurred_at if more and page else None
            session_rows = await journal.sessions(
                session, person_id, after=after[0] if after else None, until=until
            )
            identities = await journal.identities(session, person_id)
            conversions = await journal.conversions(session, person_id)
        return {
            "personId": person_id,
            "identities": [row.identifier for row in identities],
            "sessions": [
                {
                    "sessionId": s.session_id,
                    "startedAt": s.started_at,
                    "lastEventAt": s.last_event_at,
                    "events": s.event_count,
                }
                for s in session_rows
            ],
            "touchpoints": [touchpoint_json(row) for row in page],
            "conversions": [
                {
                    "conversionId": row.conversion_id,
                    "occurredAt": row.occurred_at,
                    "name": row.name,
                    "stage": row.stage,
                    "revenue": str(row.revenue),
                    "currency": row.currency,
                }
                for row in conversions
            ],
            "next": f"{page[-1].occurred_at.isoformat()}|{page[-1].touchpoint_id}"
            if more
            else None,
        }

    return router
