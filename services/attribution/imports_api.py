"""The attribution write API: spend and exchange-rate imports (CSV or JSON lines).

A row is taken or refused on its own, with its line and the reason; a re-imported row replaces
the one before it (spend by day and campaign, rates by currency and day).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from services.attribution.api import BAD_REQUEST, ApiContext, Context, ErrorOut, Responses
from services.attribution.imports import Parsed, Refused, parse_rates, parse_spend
from services.attribution.repository import costs, rollups
from shared.api import ApiModel, DbSession
from shared.auth import AUTH_RESPONSES, require
from shared.errors import BadInput

BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}
TOO_LARGE: Responses = {
    413: {"model": ErrorOut, "description": "The body is larger than the limit"}
}


class RefusedOut(ApiModel):
    line: int
    reason: str
    field: str | None


class ImportOut(ApiModel):
    rows: int
    accepted: int
    rejected_count: int
    rejected: list[RefusedOut]


async def read_body(request: Request, *, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the body is larger than {limit} bytes; split the file")
        chunks.append(chunk)
    return b"".join(chunks)


def is_csv(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "text/csv"


def answer(parsed: Parsed[Any]) -> ImportOut:
    refused: list[Refused] = parsed.refused
    return ImportOut(
        rows=parsed.total,
        accepted=len(parsed.rows),
        rejected_count=len(refused),
        rejected=[RefusedOut(line=r.line, reason=r.reason, field=r.field) for r in refused],
    )


def _parsed(body: bytes, request: Request, parse: Callable[..., Parsed[Any]]) -> Parsed[Any]:
    try:
        return parse(body, is_csv=is_csv(request))
    except BadInput as error:
        raise HTTPException(400, error.message) from error


def write_router() -> APIRouter:
    router = APIRouter(
        prefix="/v1/attribution",
        tags=["attribution imports"],
        responses=AUTH_RESPONSES,
        dependencies=[Depends(require("reports:write"))],
    )

    @router.post(
        "/spend",
        response_model=ImportOut,
        responses={**BAD_REQUEST, **TOO_LARGE},
        openapi_extra=BODY,
    )
    async def spend(request: Request, session: DbSession, context: Context) -> ImportOut:
        """Ad spend per day and campaign: ``date, source, medium, campaign, cost, currency``,
        optionally ``impressions``, ``clicks``, ``channel``. ``Content-Type: text/csv`` for
        CSV (header first), anything else for JSON lines."""
        body = await read_body(request, limit=context.max_import_bytes)
        parsed = _parsed(body, request, parse_spend)
        async with session.begin():
            await rollups.lock_shared(session)
            await costs.save_spend(session, parsed.rows, at=datetime.now(UTC))
            await rollups.mark(session, "costs", {row.day for row in parsed.rows})
        _count(context, "spend", parsed)
        return answer(parsed)

    @router.post(
        "/rates",
        response_model=ImportOut,
        responses={**BAD_REQUEST, **TOO_LARGE},
        openapi_extra=BODY,
    )
    async def rates(request: Request, session: DbSession, context: Context) -> ImportOut:
        """Exchange rates by day: ``date, currency, rate``, the units of ``currency`` one unit
        of the base currency (``ATTRIBUTION__RATES_BASE``) buys from that day on."""
        body = await read_body(request, limit=context.max_import_bytes)
        parsed = _parsed(body, request, parse_rates)
        async with session.begin():
            await rollups.lock_shared(session)
            await costs.save_rates(session, parsed.rows)
            if parsed.rows:  # the months from the first day imported convert anew
                await rollups.mark_since(session, since=min(row.day for row in parsed.rows))
        _count(context, "rates", parsed)
        return answer(parsed)

    return router


def _count(context: ApiContext, kind: str, parsed: Parsed[Any]) -> None:
    context.metrics.spend_rows.labels(kind, "accepted").inc(len(parsed.rows))
    context.metrics.spend_rows.labels(kind, "rejected").inc(len(parsed.refused))
