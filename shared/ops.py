"""The operational endpoints every service serves: /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

ReadinessCheck = Callable[[], Awaitable[bool]]


Reasons = Callable[[], Mapping[str, str]]


def ops_router(
    *,
    registry: CollectorRegistry,
    checks: Mapping[str, ReadinessCheck],
    reasons: Reasons | None = None,
) -> APIRouter:
    """``reasons`` says why a failing check fails, when the check knows (a halted consumer)."""
    router = APIRouter(tags=["ops"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive and serving HTTP."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        """Every dependency answered; 503 names the ones that did not."""
        names = list(checks)
        results = await asyncio.gather(*(checks[name]() for name in names))
        status = dict(zip(names, results, strict=True))
        ready = all(results)
        body: dict[str, object] = {"status": "ready" if ready else "unavailable", "checks": status}
        why = dict(reasons()) if reasons is not None else {}
        if why:
            body["reasons"] = why
        return JSONResponse(
            body,
            status_code=200 if ready else 503,
            headers=None if ready else {"Retry-After": "5"},
        )

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
