"""The sessionizer's privacy routes: the access export of a person, and the state of an
erasure request (shared/privacy/api.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends

from services.sessionizer.repository import erasure
from services.sessionizer.repository.reads import (
    CONVERSIONS,
    IDENTITIES,
    SESSIONS,
    TOUCHPOINTS,
    WEB_EVENTS,
)
from services.sessionizer.repository.writes import MERGES
from services.sessionizer.tables import ERASURE_TABLES
from shared.api import ApiModel, DbSession
from shared.auth import AUTH_RESPONSES, require
from shared.privacy.api import Also, asked, erasure_status_router


class HeldIdentityOut(ApiModel):
    identifier: str
    first_seen_at: datetime
    version: int


class HeldWebEventOut(ApiModel):
    message_id: str
    occurred_at: datetime
    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    landing_page: str | None
    tagged: bool


class HeldSessionOut(ApiModel):
    session_id: str
    started_at: datetime
    last_event_at: datetime
    event_count: int


class HeldTouchpointOut(ApiModel):
    touchpoint_id: str
    session_id: str | None
    occurred_at: datetime
    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    landing_page: str | None
    touch_type: str
    version: int
    retracted: bool


class HeldConversionOut(ApiModel):
    conversion_id: str
    occurred_at: datetime
    name: str
    revenue: Decimal
    currency: str
    stage: str
    version: int


class HeldMergeOut(ApiModel):
    absorbed_person_id: str
    into_person_id: str
    message_id: str
    merged_at: datetime


class PersonExportOut(ApiModel):
    person_id: str
    identities: list[HeldIdentityOut]
    web_events: list[HeldWebEventOut]
    sessions: list[HeldSessionOut]
    touchpoints: list[HeldTouchpointOut]
    conversions: list[HeldConversionOut]
    merges: list[HeldMergeOut]


class SessionizerExportOut(ApiModel):
    """Everything the sessionizer holds of the persons asked for (none: it holds nothing)."""

    persons: list[PersonExportOut]


SECTIONS = {
    "identities": IDENTITIES,
    "web_events": WEB_EVENTS,
    "sessions": SESSIONS,
    "touchpoints": TOUCHPOINTS,
    "conversions": CONVERSIONS,
}
EMPTY: dict[str, list[Any]] = {name: [] for name in (*SECTIONS, "merges")}


def privacy_router() -> APIRouter:
    router = APIRouter(tags=["privacy"], responses=AUTH_RESPONSES)
    router.include_router(erasure_status_router(ERASURE_TABLES, service="sessionizer"))

    @router.get(
        "/v1/privacy/export/{identifier}",
        dependencies=[Depends(require("privacy:export"))],
        response_model=SessionizerExportOut,
        responses={400: {"description": "An identifier that cannot be one (empty, NUL, long)"}},
    )
    async def export(
        identifier: str, session: DbSession, also: Also = None
    ) -> SessionizerExportOut:
        """Every row the sessionizer holds of the person(s) of these identifiers (or person
        ids), whole: identities, web events, sessions, touchpoints (retracted ones too),
        conversions and merges."""
        values = asked(identifier, also)
        persons = sorted({person for _, person in await erasure.component(session, values)})
        found: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for name, table in SECTIONS.items():
            for row in await erasure.rows_of(session, table, persons):
                found[row.person_id][name].append(dict(row._mapping))
        for row in await erasure.rows_of(session, MERGES, persons):
            for person in {row.absorbed_person_id, row.into_person_id} & set(persons):
                found[person]["merges"].append(dict(row._mapping))
        return SessionizerExportOut.model_validate(
            {"persons": [{"person_id": p, **EMPTY, **found[p]} for p in persons]}
        )

    return router
