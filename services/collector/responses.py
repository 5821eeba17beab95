"""The collector's error answers: JSON ``{"success": false, "error", "message", "field"}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.collector.body import BodyTimeout, TooLarge
from services.collector.browser import cors_headers
from services.collector.metrics import CollectorMetrics
from services.collector.ratelimit import RateLimited
from shared.errors import BadInput, DependencyDown


class ErrorOut(BaseModel):
    """Every error the collector answers."""

    success: bool = False
    error: str
    message: str
    field: str | None = None


_MEANINGS = {
    400: "Malformed body or event; `field` names what to fix",
    401: "Unknown or disabled write key (or an unsigned, forged or replayed webhook)",
    403: "A browser page whose origin the source does not allow",
    408: "The body stalled or took too long (`Connection: close`)",
    413: "Over a size limit; the message gives the limit",
    429: "Over a rate limit (`Retry-After`)",
    503: "Kafka (or, for an uncached key, PostgreSQL) unavailable; nothing accepted; retry",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route for these error statuses."""
    return {status: {"model": ErrorOut, "description": _MEANINGS[status]} for status in statuses}


INGESTION_ERRORS = errors(400, 401, 403, 408, 413, 429, 503)


class Unauthorized(Exception):
    pass


class OriginRefused(Exception):
    def __init__(self, origin: str) -> None:
        super().__init__(origin)
        self.origin = origin


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"success": False, "error": code, "message": message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)


def add_error_handlers(app: FastAPI, metrics: CollectorMetrics) -> None:
    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> JSONResponse:
        metrics.rejected.labels(exc.code).inc()
        headers = cors_headers(request)
        status = 413 if isinstance(exc, TooLarge) else 400
        if isinstance(exc, BodyTimeout):
            metrics.body_timeouts.labels(exc.limit).inc()
            # The rest of the body may still come: the connection cannot carry another request.
            status, headers = 408, {**headers, "Connection": "close"}
        return error_response(status, exc.code, exc.message, field=exc.field, headers=headers)

    @app.exception_handler(OriginRefused)
    async def origin_refused(_: Request, exc: OriginRefused) -> JSONResponse:
        metrics.rejected.labels("origin_not_allowed").inc()
        return error_response(
            403,
            "origin_not_allowed",
            f"pages of {exc.origin} may not send with this write key; add the origin with "
            "`python -m services.collector sources origins NAME ORIGIN…`",
            field="Origin",
        )

    @app.exception_handler(Unauthorized)
    async def unauthorized(_: Request, __: Unauthorized) -> JSONResponse:
        metrics.rejected.labels("unauthorized").inc()
        return error_response(
            401,
            "unauthorized",
            "unknown or disabled write key: send it as the HTTP "
            "Basic username or as the writeKey field of the body",
            headers={"WWW-Authenticate": 'Basic realm="boucle"'},
        )

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        count_rate_limited(metrics, exc)
        seconds = str(exc.retry_after_s)
        # X-RateLimit-Reset too, as Segment's API sends it (seconds, like Retry-After).
        headers = {"Retry-After": seconds, "X-RateLimit-Reset": seconds, **cors_headers(request)}
        return error_response(429, "rate_limited", exc.message, headers=headers)

    @app.exception_handler(DependencyDown)
    async def dependency_down(request: Request, exc: DependencyDown) -> JSONResponse:
        metrics.rejected.labels("unavailable").inc()
        return error_response(
            503,
            "unavailable",
            f"{exc.dependency} is unavailable; nothing was accepted, retry later",
            headers={"Retry-After": "5", **cors_headers(request)},
        )


def count_rate_limited(metrics: CollectorMetrics, exc: RateLimited) -> None:
    metrics.rejected.labels("rate_limited").inc(exc.events)
    metrics.rate_limited.labels(exc.limit).inc()
