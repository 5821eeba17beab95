"""The attribution page's other reads (README, Pages): revenue, conversions and cost over time,
and the latest conversions to drill into. Same token scope as the report (``read:reports``);
both read aggregates or one index, never the credits."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from services.attribution.api import BAD_REQUEST, Context, GroupBy, chosen_models, currency_of
from services.attribution.repository import series as repository
from services.attribution.repository.reports import Window
from services.attribution.series import (
    ConversionsOut,
    Grain,
    SeriesOut,
    points_of,
    unconverted_of,
)
from shared.api import DbSession
from shared.auth import AUTH_RESPONSES, require
from shared.errors import BadInput

From = Annotated[date | None, Query(alias="from", description="first UTC day")]
To = Annotated[date | None, Query(description="last UTC day")]


def encode_before(at: datetime, conversion_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), conversion_id]).encode()).decode()


def decode_before(cursor: str) -> tuple[datetime, str]:
    try:
        at, conversion_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        moment = datetime.fromisoformat(at)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC), str(conversion_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise HTTPException(400, "before: pass `next` as the previous page gave it") from exc


def _range(low: date | None, high: date | None) -> None:
    if low is not None and high is not None and low > high:
        raise HTTPException(400, f"from ({low}) is after to ({high})")


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, UTC)


def overview_router() -> APIRouter:
    router = APIRouter(
        prefix="/v1/attribution",
        tags=["attribution"],
        responses=AUTH_RESPONSES,
        dependencies=[Depends(require("read:reports"))],
    )

    @router.get("/series", response_model=SeriesOut, responses=BAD_REQUEST)
    async def series(
        session: DbSession,
        context: Context,
        models: Annotated[str | None, Query(description="comma-separated; default all")] = None,
        grain: Grain = "day",
        date_from: From = None,
        to: To = None,
        stage: Annotated[str | None, Query(max_length=40, pattern=r"^[^\x00]*$")] = None,
        currency: str | None = None,
        group_by: GroupBy = "channel",
        key: Annotated[
            str | None,
            Query(max_length=512, pattern=r"^[^\x00]*$", description="one group of group_by"),
        ] = None,
    ) -> SeriesOut:
        """Credited revenue and conversions per model, and cost, per period, converted into
        ``currency`` (the reporting one by default) as the report converts them: of every
        conversion, or with ``key`` of one group of ``group_by`` (empty: the group of none).
        Over every conversion each model's revenue is the same; per group they differ."""
        chosen = chosen_models(models, context.lineup)
        _range(date_from, to)
        window = Window(
            dimension=group_by if key is not None else repository.EVERY_CREDIT,
            low=date_from or date.min,
            high=to or date.max,
            stage=stage,
            target=currency_of(currency, context.money.reporting),
            base=context.money.base,
        )
        credited = await repository.credited(session, window, chosen, grain=grain, key=key)
        costs = await repository.costs(session, window, grain=grain, key=key)
        try:
            points = points_of(credited, costs, models=chosen, span=(date_from, to), grain=grain)
        except BadInput as exc:
            raise HTTPException(400, exc.message) from exc
        return SeriesOut(
            grain=grain,
            from_=date_from,
            to=to,
            stage=stage,
            currency=window.target,
            group_by=group_by if key is not None else None,
            key=key,
            models=chosen,
            points=points,
            unconverted=unconverted_of(credited, costs),
        )

    @router.get("/conversions", response_model=ConversionsOut, responses=BAD_REQUEST)
    async def latest_conversions(
        session: DbSession,
        date_from: From = None,
        to: To = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        before: Annotated[str | None, Query(max_length=400)] = None,
    ) -> ConversionsOut:
        """The latest conversions (outcomes: a deal's conversions are one) converted between
        ``from`` and ``to``, newest first, a page at a time; each opens with
        ``/v1/attribution/conversions/{id}``."""
        _range(date_from, to)
        found = await repository.latest(
            session,
            since=_start_of(date_from),
            until=_start_of(to + timedelta(days=1)) if to is not None and to < date.max else None,
            before=decode_before(before) if before else None,
            limit=limit + 1,
        )
        page = found[:limit]
        last = page[-1] if len(found) > limit else None
        return ConversionsOut(
            conversions=page,
            next=encode_before(last.converted_at, last.conversion_id) if last else None,
        )

    return router
