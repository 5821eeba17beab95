"""The operational endpoints every service serves: /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from shared.auth import Credentials, authorize
from shared.settings import OpsSettings

ReadinessCheck = Callable[[], Awaitable[bool]]
MetricsGuard = Callable[..., Awaitable[None]]


def metrics_guard(ops: OpsSettings) -> MetricsGuard | None:
    """Who may scrape ``/metrics`` (see ``OpsSettings``); None when anyone may. The peer is the
    socket's: Prometheus scrapes each process directly, never through a proxy."""
    networks = tuple(
        ipaddress.ip_network(n.strip(), strict=False) for n in ops.metrics_allow_networks
    )
    scope = ops.metrics_token_scope
    if not networks and scope is None:
        return None

    async def metrics_access(request: Request, credentials: Credentials) -> None:
        if _within(request.client.host if request.client else None, networks):
            return
        if scope is None:
            allowed = ", ".join(str(network) for network in networks)
            raise HTTPException(403, f"/metrics is served only to {allowed}")
        await authorize(request, credentials, scope)

    return metrics_access


def _within(
    peer: str | None, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


Reasons = Callable[[], Mapping[str, str]]


def ops_router(
    *,
    registry: CollectorRegistry,
    checks: Mapping[str, ReadinessCheck],
    reasons: Reasons | None = None,
    guard: MetricsGuard | None = None,
) -> APIRouter:
    """``reasons`` says why a failing check fails, when the check knows (a halted consumer);
    ``guard`` limits who may read ``/metrics``."""
    router = APIRouter(tags=["ops"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive and serving HTTP."""
        return {"status": "ok"}

    @router.get(
        "/readyz",
        responses={503: {"description": "A dependency did not answer (`Retry-After`)"}},
    )
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

    @router.get(
        "/metrics",
        dependencies=[Depends(guard)] if guard else [],
        responses=(
            {
                401: {"description": "A token of the metrics scope is needed"},
                403: {"description": "Not from an allowed network, or the token lacks the scope"},
                503: {"description": "PostgreSQL cannot say whether the token is valid"},
            }
            if guard
            else {}
        ),
    )
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
