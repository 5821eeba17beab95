"""Feedback's privacy routes: the access export of a person, and the state of an erasure
request (shared/privacy/api.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends

from services.feedback.api.context import Context
from services.feedback.api.models import CaseEventOut, CaseOut
from services.feedback.case_rows import case_of
from services.feedback.eraser import scope_of
from services.feedback.repository import erasure
from services.feedback.repository.sql import any_of
from services.feedback.tables import (
    CASE_EVENTS,
    CASES,
    CONVERSIONS,
    ERASURE_TABLES,
    IDENTITIES,
    PERSONS,
    RESPONSES,
    TOUCHPOINTS,
)
from shared.api import ApiModel, DbSession
from shared.auth import AUTH_RESPONSES, require
from shared.privacy import Pending
from shared.privacy.api import Also, asked, erasure_status_router


class HeldIdentityOut(ApiModel):
    identifier: str
    person_id: str
    # 0: inferred by feedback (a provisional person's), else the link's version.
    version: int


class HeldPersonOut(ApiModel):
    person_id: str
    revenue: dict[str, str]
    conversions: int
    channel: str | None
    source: str | None
    campaign: str | None
    first_touch_at: datetime | None
    updated_at: datetime


class HeldTouchpointOut(ApiModel):
    touchpoint_id: str
    person_id: str
    occurred_at: datetime
    channel: str
    source: str | None
    campaign: str | None
    version: int
    retracted: bool


class HeldConversionOut(ApiModel):
    conversion_id: str
    person_id: str
    occurred_at: datetime
    revenue: Decimal
    currency: str
    version: int


class HeldResponseOut(ApiModel):
    """A response whole: the comment, how it was read and decided."""

    message_id: str
    person_id: str
    instrument: str
    score: int | None
    band: str | None
    text: str | None
    declared_language: str | None
    language: str | None
    label: str | None
    text_score: float | None
    confidence: float | None
    themes: list[str]
    intents: list[str]
    classifier_version: str | None
    negative: bool
    cause: str | None
    reasons: list[str]
    channel: str
    source: str
    public: bool
    survey_id: str | None
    answers_case_id: str | None
    occurred_at: datetime
    received_at: datetime
    case_id: str | None


class CaseExportOut(ApiModel):
    case: CaseOut
    history: list[CaseEventOut]


class FeedbackExportOut(ApiModel):
    """Everything feedback holds of the persons of the identifiers asked for, the provisional
    persons of those identifiers included (none: it holds nothing)."""

    identities: list[HeldIdentityOut]
    persons: list[HeldPersonOut]
    touchpoints: list[HeldTouchpointOut]
    conversions: list[HeldConversionOut]
    responses: list[HeldResponseOut]
    cases: list[CaseExportOut]


async def cases_export(
    session: DbSession, cases: list[str], *, now: datetime
) -> list[dict[str, Any]]:
    events: dict[str, list[dict[str, Any]]] = {case: [] for case in cases}
    for row in await erasure.rows_of(session, CASE_EVENTS, any_of(CASE_EVENTS.c.case_id, cases)):
        events[row.case_id].append(dict(row._mapping))
    return [
        {
            "case": CaseOut.of(case_of(row._mapping), deadline=row.sla_deadline, now=now),
            "history": events[row.case_id],
        }
        for row in await erasure.rows_of(session, CASES, any_of(CASES.c.case_id, cases))
    ]


def privacy_router() -> APIRouter:
    router = APIRouter(tags=["privacy"], responses=AUTH_RESPONSES)
    router.include_router(erasure_status_router(ERASURE_TABLES, service="feedback"))

    @router.get(
        "/v1/privacy/export/{identifier}",
        dependencies=[Depends(require("privacy:export"))],
        response_model=FeedbackExportOut,
        responses={400: {"description": "An identifier that cannot be one (empty, NUL, long)"}},
    )
    async def export(
        identifier: str, session: DbSession, context: Context, also: Also = None
    ) -> FeedbackExportOut:
        """Every row feedback holds of the person(s) of these identifiers (or person ids), as
        an erasure of them would take it: identities, persons, journey copies, responses with
        their comments, cases with their histories."""
        values = asked(identifier, also)
        scope = await scope_of(session, Pending("", "", values[0], tuple(values), context.clock()))
        persons, ids = sorted(scope.persons), sorted(scope.identifiers)
        mine = {
            "identities": (
                IDENTITIES,
                any_of(IDENTITIES.c.identifier, ids) | any_of(IDENTITIES.c.person_id, persons),
            ),
            "persons": (PERSONS, any_of(PERSONS.c.person_id, persons)),
            "touchpoints": (TOUCHPOINTS, any_of(TOUCHPOINTS.c.person_id, persons)),
            "conversions": (CONVERSIONS, any_of(CONVERSIONS.c.person_id, persons)),
            "responses": (RESPONSES, any_of(RESPONSES.c.person_id, persons)),
        }
        found: dict[str, Any] = {
            name: [dict(row._mapping) for row in await erasure.rows_of(session, table, where)]
            for name, (table, where) in mine.items()
        }
        cases = await erasure.cases_of(session, scope.persons)
        found["cases"] = await cases_export(session, cases, now=context.clock())
        return FeedbackExportOut.model_validate(found)

    return router
