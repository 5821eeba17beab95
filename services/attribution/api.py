"""The attribution read API: the report (models side by side, JSON or CSV) and the drill-down.

Reads and writes are separate routers (``imports_api.py`` writes), so that authentication is
one ``dependencies=[...]`` on each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.drilldown import ConversionOut, conversion_out
from services.attribution.lineup import Lineup
from services.attribution.metrics import AttributionMetrics
from services.attribution.report import (
    ModelStatusOut,
    ReportOut,
    csv_of,
    groups_of,
    unconverted_of,
)
from services.attribution.repository import drilldown, journeys, reports
from services.attribution.repository import fits as fits_repository
from services.attribution.repository.money import Money
from services.attribution.repository.reports import Window
from shared.api import ApiModel, DbSession
from shared.auth import AUTH_RESPONSES, require

GroupBy = Literal["channel", "source", "medium", "campaign", "touch_type"]


@dataclass(frozen=True, slots=True)
class ApiContext:
    lineup: Lineup
    money: Money
    max_import_bytes: int
    metrics: AttributionMetrics


def api_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.attribution
    return context


Context = Annotated[ApiContext, Depends(api_context)]


class ErrorOut(ApiModel):
    detail: str


Responses = dict[int | str, dict[str, Any]]
BAD_REQUEST: Responses = {400: {"model": ErrorOut, "description": "A parameter to fix, named"}}
CSV_RESPONSE: dict[str, Any] = {
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "description": "The report; CSV with format=csv or Accept: text/csv",
}


def chosen_models(given: str | None, lineup: Lineup) -> list[str]:
    if given is None:
        return list(lineup.names)
    names = [name.strip() for name in given.split(",") if name.strip()]
    unknown = [name for name in names if name not in lineup.names]
    if unknown or not names:
        raise HTTPException(
            400,
            f"models: unknown model {unknown[0]!r}; "
            if unknown
            else f"models: name at least one; this service computes {', '.join(lineup.names)}",
        )
    return list(dict.fromkeys(names))


def currency_of(given: str | None, default: str) -> str:
    code = (given or default).strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise HTTPException(400, f"currency: a 3-letter currency code, not {given!r}")
    return code


async def _current_fits(session: AsyncSession, lineup: Lineup) -> dict[str, str]:
    """Each fitted model's current fit, by model name."""
    fits = await fits_repository.current_fits(session, [e.key for e in lineup.fitted])
    return {e.name: fits[e.key].fit_id for e in lineup.fitted if e.key in fits}


def read_router() -> APIRouter:
    router = APIRouter(
        prefix="/v1/attribution",
        tags=["attribution"],
        responses=AUTH_RESPONSES,
        dependencies=[Depends(require("read:reports"))],
    )

    @router.get(
        "",
        response_model=ReportOut,
        responses={**BAD_REQUEST, 200: CSV_RESPONSE},
    )
    async def report(
        request: Request,
        session: DbSession,
        context: Context,
        models: Annotated[str | None, Query(description="comma-separated; default all")] = None,
        group_by: GroupBy = "channel",
        date_from: Annotated[date | None, Query(alias="from")] = None,
        to: date | None = None,
        stage: Annotated[str | None, Query(max_length=40, pattern=r"^[^\x00]*$")] = None,
        currency: str | None = None,
        format: Literal["json", "csv"] | None = None,
    ) -> ReportOut | Response:
        """Credited conversions, revenue, cost, CPA, ROAS, ROI and conversion rate per group,
        under several models side by side, for conversions between ``from`` and ``to``."""
        chosen = chosen_models(models, context.lineup)
        if date_from is not None and to is not None and date_from > to:
            raise HTTPException(400, f"from ({date_from}) is after to ({to})")
        window = Window(
            dimension=group_by,
            low=date_from or date.min,
            high=to or date.max,
            stage=stage,
            target=currency_of(currency, context.money.reporting),
            base=context.money.base,
        )
        credited = await reports.credited(session, window, chosen, money=context.money)
        costs = await reports.costs(session, window, money=context.money)
        out = ReportOut(
            group_by=group_by,
            from_=date_from,
            to=to,
            stage=stage,
            currency=window.target,
            models=_statuses(
                await reports.versions(session, chosen),
                chosen,
                keys=context.lineup.keys,
                fits=await _current_fits(session, context.lineup),
            ),
            groups=groups_of(credited, costs, await reports.reach(session, window), models=chosen),
            unconverted=unconverted_of(credited, costs),
        )
        if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
            return Response(csv_of(out), media_type="text/csv; charset=utf-8")
        return out

    @router.get(
        "/conversions/{conversion_id}",
        response_model=ConversionOut,
        responses={404: {"model": ErrorOut, "description": "No such conversion"}},
    )
    async def conversion(conversion_id: str, session: DbSession, context: Context) -> ConversionOut:
        """One conversion's path, each touch with its credits under every model."""
        if len(conversion_id) > 64 or "\x00" in conversion_id:  # no id looks like that
            raise HTTPException(404, f"no conversion {conversion_id[:64]!r}")
        lineup = context.lineup
        found = await drilldown.outcome(
            session, conversion_id, deal_stages=lineup.stages.deal_stages
        )
        if found is None:
            raise HTTPException(404, f"no conversion {conversion_id!r}")
        state, version = found
        lines = await drilldown.lines_of(session, state.outcome.outcome_id)
        touches = await journeys.touches_of(session, [state.outcome.person_id])
        return conversion_out(
            state, version, lines, touches.get(state.outcome.person_id, []), lineup=lineup
        )

    return router


def _statuses(
    versions: list[tuple[str, str, str, int]],
    models: list[str],
    *,
    keys: Mapping[str, str],
    fits: Mapping[str, str],
) -> list[ModelStatusOut]:
    """Per model: how many conversions its stored credits cover, and under what."""
    out = []
    for model in models:
        mine = [(key, fit, n) for m, key, fit, n in versions if m == model]
        key, fit = keys[model], fits.get(model)
        out.append(
            ModelStatusOut(
                model=model,
                key=key,
                fit_id=fit,
                conversions=sum(n for _, _, n in mine),
                stale_conversions=sum(n for k, _, n in mine if k != key),
                earlier_fit_conversions=sum(
                    n for k, f, n in mine if k == key and fit is not None and f != fit
                ),
            )
        )
    return out
