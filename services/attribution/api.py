"""The attribution read API."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import Field

from services.attribution import repository
from services.attribution.currency import Rates
from services.attribution.repository import GroupBy
from shared.api import ApiModel, DbSession
from shared.auth import AUTH_RESPONSES, require


class GroupOut(ApiModel):
    key: str | None
    currency: str
    conversions: Decimal
    revenue: Decimal
    # Only when a reporting currency is configured; None when the table has no rate for it.
    reporting_revenue: Decimal | None = Field(default=None, exclude_if=lambda v: v is None)


class KeyTotalOut(ApiModel):
    key: str | None
    revenue: Decimal


class ReportingOut(ApiModel):
    currency: str
    revenue: Decimal
    by_key: list[KeyTotalOut]
    unconverted: list[str]


class AttributionOut(ApiModel):
    model: str
    group_by: GroupBy
    groups: list[GroupOut]
    reporting: ReportingOut | None = Field(default=None, exclude_if=lambda v: v is None)


def computed_models(request: Request) -> tuple[str, ...]:
    models: tuple[str, ...] = request.app.state.models
    return models


def reporting_rates(request: Request) -> Rates | None:
    rates: Rates | None = request.app.state.rates
    return rates


def attribution_router() -> APIRouter:
    """Reads ``models`` and ``rates`` from app.state (see services/attribution/__main__.py)."""
    router = APIRouter(prefix="/v1", tags=["attribution"], responses=AUTH_RESPONSES)

    @router.get(
        "/attribution",
        dependencies=[Depends(require("read:reports"))],
        response_model=AttributionOut,
        responses={400: {"description": "A model this service does not compute"}},
    )
    async def attribution(
        session: DbSession,
        models: Annotated[tuple[str, ...], Depends(computed_models)],
        rates: Annotated[Rates | None, Depends(reporting_rates)],
        model: str = "last_touch",
        group_by: GroupBy = "channel",
    ) -> AttributionOut:
        """Credited conversions and revenue per channel, campaign or source, per currency."""
        if model not in models:
            raise HTTPException(
                400, f"unknown model {model!r}; this service computes {', '.join(models)}"
            )
        rows = await repository.totals(session, model=model, group_by=group_by)
        groups: list[dict[str, Any]] = [
            {
                "key": key,
                "currency": currency,
                "conversions": str(conversions),
                "revenue": str(revenue),
            }
            for key, currency, conversions, revenue in rows
        ]
        reporting = reporting_totals(groups, rates) if rates is not None else None
        return AttributionOut.model_validate(
            {"model": model, "groupBy": group_by, "groups": groups, "reporting": reporting}
        )

    return router


def reporting_totals(groups: list[dict[str, Any]], rates: Rates) -> dict[str, Any]:
    """Adds each group's revenue in the reporting currency; sums them per key. Groups in a
    currency without a rate keep only their own amount and are listed as unconverted."""
    per_key: dict[str | None, Decimal] = {}
    unconverted: set[str] = set()
    for group in groups:
        converted = rates.convert(Decimal(group["revenue"]), group["currency"])
        group["reportingRevenue"] = None if converted is None else str(converted)
        if converted is None:
            unconverted.add(group["currency"])
        else:
            per_key[group["key"]] = per_key.get(group["key"], Decimal(0)) + converted
    return {
        "currency": rates.reporting,
        "revenue": str(sum(per_key.values(), Decimal(0))),
        "byKey": [{"key": k, "revenue": str(v)} for k, v in per_key.items()],
        "unconverted": sorted(unconverted),
    }
