"""The sessionizer's read API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from services.sessionizer import journal
from services.sessionizer.tables import ConversionRow, SessionRow, TouchpointRow
from shared.api import ApiModel, DbSession
from shared.auth import AUTH_RESPONSES, require


class TouchpointOut(ApiModel):
    touchpoint_id: str
    type: str
    session_id: str | None
    occurred_at: datetime
    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    landing_page: str | None
    version: int

    @classmethod
    def of(cls, row: TouchpointRow) -> TouchpointOut:
        return cls(
            touchpoint_id=row.touchpoint_id,
            type=row.touch_type,
            session_id=row.session_id,
            occurred_at=row.occurred_at,
            channel=row.channel,
            source=row.source,
            medium=row.medium,
            campaign=row.campaign,
            landing_page=row.landing_page,
            version=row.version,
        )


class SessionOut(ApiModel):
    session_id: str
    started_at: datetime
    last_event_at: datetime
    events: int

    @classmethod
    def of(cls, row: SessionRow) -> SessionOut:
        return cls(
            session_id=row.session_id,
            started_at=row.started_at,
            last_event_at=row.last_event_at,
            events=row.event_count,
        )


class ConversionOut(ApiModel):
    conversion_id: str
    occurred_at: datetime
    name: str
    stage: str
    revenue: Decimal
    currency: str

    @classmethod
    def of(cls, row: ConversionRow) -> ConversionOut:
        return cls(
            conversion_id=row.conversion_id,
            occurred_at=row.occurred_at,
            name=row.name,
            stage=row.stage,
            revenue=row.revenue,
            currency=row.currency,
        )


class JourneyOut(ApiModel):
    person_id: str
    identities: list[str]
    sessions: list[SessionOut]
    touchpoints: list[TouchpointOut]
    conversions: list[ConversionOut]
    next: str | None = None


def parse_cursor(cursor: str | None) -> journal.Cursor | None:
    if not cursor:
        return None
    moment, _, touchpoint_id = cursor.partition("|")
    try:
        return datetime.fromisoformat(moment), touchpoint_id
    except ValueError as exc:
        raise HTTPException(400, "cursor must be the `next` value of a previous page") from exc


def journeys_router() -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["journeys"], responses=AUTH_RESPONSES)

    @router.get(
        "/journeys/{identifier}",
        dependencies=[Depends(require("read:journeys"))],
        response_model=JourneyOut,
        responses={
            400: {"description": "A cursor that is no `next` value, or an impossible identifier"},
            404: {"description": "No journey is known for this identifier"},
        },
    )
    async def journey(
        identifier: str,
        session: DbSession,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: str | None = None,
    ) -> JourneyOut:
        """A person's journey by any identifier (anonymousId, userId, ``email:<sha256>``,
        ``hubspot_contact:<id>``…): identities, conversions, and one page of touchpoints with
        the sessions they cover. Pass ``next`` back as ``cursor`` for the following page."""
        if "\x00" in identifier:  # PostgreSQL text cannot hold it, so no journey has it
            raise HTTPException(400, "an identifier cannot contain a NUL character")
        after = parse_cursor(cursor)
        person_id = await journal.person_of(session, identifier)
        if person_id is None:
            raise HTTPException(404, f"no journey is known for identifier {identifier!r}")
        touchpoints = await journal.touchpoints(session, person_id, after=after, limit=limit + 1)
        page, more = touchpoints[:limit], len(touchpoints) > limit
        until = page[-1].occurred_at if more and page else None
        session_rows = await journal.sessions(
            session, person_id, after=after[0] if after else None, until=until
        )
        return JourneyOut(
            person_id=person_id,
            identities=[row.identifier for row in await journal.identities(session, person_id)],
            sessions=[SessionOut.of(row) for row in session_rows],
            touchpoints=[TouchpointOut.of(row) for row in page],
            conversions=[
                ConversionOut.of(row) for row in await journal.conversions(session, person_id)
            ],
            next=f"{page[-1].occurred_at.isoformat()}|{page[-1].touchpoint_id}" if more else None,
        )

    return router
