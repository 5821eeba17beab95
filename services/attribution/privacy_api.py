"""Attribution's privacy routes: the access export of a person, and the state of an erasure
request (shared/privacy/api.py). Attribution knows persons by id only: an export is asked for
with the person ids the sessionizer's export gives (``also``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends

from services.attribution.repository import erasure
from services.attribution.repository.state import contribution_decoder, reach_decoder
from services.attribution.tables import CONVERSIONS, CREDITS, OUTCOMES, PERSONS, TOUCHPOINTS
from services.attribution.tables_common import SCHEMA
from shared.api import ApiModel, DbSession
from shared.auth import AUTH_RESPONSES, require
from shared.privacy.api import Also, asked, erasure_status_router
from shared.privacy.tables import ErasureTables


class HeldTouchpointOut(ApiModel):
    touchpoint_id: str
    occurred_at: datetime
    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    touch_type: str
    version: int
    retracted: bool


class HeldConversionOut(ApiModel):
    conversion_id: str
    occurred_at: datetime
    name: str
    stage: str
    revenue: Decimal
    currency: str
    deal_id: str | None
    version: int


class HeldOutcomeOut(ApiModel):
    outcome_id: str
    converted_at: datetime
    stage: str
    revenue: Decimal
    currency: str
    deal_id: str | None
    credited: bool
    conversion_ids: str
    lead_created: datetime | None
    opportunity_created: datetime | None
    deal_closed: datetime | None
    credit_version: int


class HeldCreditOut(ApiModel):
    outcome_id: str
    model: str
    touchpoint_id: str
    model_key: str
    fit_id: str
    channel_set: str
    weight: Decimal
    revenue: Decimal
    currency: str
    day: date
    stage: str
    converted_at: datetime
    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    touch_type: str | None


class HeldContributionOut(ApiModel):
    """What the person adds to the fitted models' counts (by model key, then path item:
    conversions and non-conversions), the groups that reached them, and when a pending path
    of theirs becomes non-converting."""

    counts: dict[str, dict[str, tuple[int, int]]]
    reach: list[tuple[str, str, date, str]]
    null_due: datetime | None


class HeldDealLossOut(ApiModel):
    deal_id: str
    lost_at: datetime


class PersonExportOut(ApiModel):
    person_id: str
    touchpoints: list[HeldTouchpointOut]
    conversions: list[HeldConversionOut]
    outcomes: list[HeldOutcomeOut]
    credits: list[HeldCreditOut]
    contribution: HeldContributionOut | None
    deal_losses: list[HeldDealLossOut]


class AttributionExportOut(ApiModel):
    """Everything attribution holds of the persons asked for (none: it holds nothing)."""

    persons: list[PersonExportOut]


SECTIONS = {
    "touchpoints": TOUCHPOINTS,
    "conversions": CONVERSIONS,
    "outcomes": OUTCOMES,
    "credits": CREDITS,
}


async def person_export(session: DbSession, person: str) -> dict[str, Any]:
    found: dict[str, Any] = {"person_id": person, "contribution": None}
    for name, table in SECTIONS.items():
        found[name] = [dict(r._mapping) for r in await erasure.rows_of(session, table, [person])]
    for row in await erasure.rows_of(session, PERSONS, [person]):
        found["contribution"] = {
            "counts": contribution_decoder.decode(row.contribution),
            "reach": reach_decoder.decode(row.reach),
            "null_due": row.null_due,
        }
    deals = {c["deal_id"] for c in found["conversions"] if c["deal_id"]}
    found["deal_losses"] = [dict(r._mapping) for r in await erasure.losses_of(session, deals)]
    return found


def privacy_router(tables: ErasureTables) -> APIRouter:
    router = APIRouter(tags=["privacy"], responses=AUTH_RESPONSES)
    router.include_router(erasure_status_router(tables, service=SCHEMA))

    @router.get(
        "/v1/privacy/export/{identifier}",
        dependencies=[Depends(require("privacy:export"))],
        response_model=AttributionExportOut,
        responses={400: {"description": "An identifier that cannot be one (empty, NUL, long)"}},
    )
    async def export(
        identifier: str, session: DbSession, also: Also = None
    ) -> AttributionExportOut:
        """Every row attribution holds of the persons named (by person id: pass the
        sessionizer's person ids as ``identifier`` or ``also``): touchpoints, conversions,
        outcomes, credits, the person's stored contribution to the fitted counts, and the
        losses of their deals."""
        persons = await erasure.held(session, asked(identifier, also))
        return AttributionExportOut.model_validate(
            {"persons": [await person_export(session, person) for person in persons]}
        )

    return router
