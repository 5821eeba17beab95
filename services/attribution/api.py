"""The attribution read API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution import repository
from services.attribution.currency import Rates
from services.attribution.repository import GroupBy
from shared.auth import require


def attribution_router(
    sessions: async_sessionmaker[AsyncSession],
    *,
    models: tuple[str, ...],
    rates: Rates | None = None,
) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["attribution"])

    @router.get("/attribution", dependencies=[Depends(require("read:reports"))])
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
        body: dict[str, Any] = {
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
        if rates is not None:
            body["reporting"] = reporting_totals(body["groups"], rates)
        return body

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
