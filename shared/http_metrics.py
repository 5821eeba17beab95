"""Request metrics for every Boucle HTTP app: a plain ASGI middleware, so it costs one counter and
one histogram per request and sees every answer, errors included.

``route`` is the matched route's template (``/v1/journeys/{identifier}``), never the raw path, so
a scan of random URLs adds one series (``unmatched``), not one per URL; methods outside the
standard ones are grouped as ``other`` for the same reason.
"""

from __future__ import annotations

import time

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.metrics import LATENCY_BUCKETS

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics:
    def __init__(self, service: str, registry: CollectorRegistry) -> None:
        prefix = f"boucle_{service}_http"
        self.requests = Counter(
            f"{prefix}_requests_total",
            "HTTP requests answered, by route template, method and status code",
            ["route", "method", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            f"{prefix}_request_duration_seconds",
            "Time from the request's arrival to the end of its answer",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def observe(self, scope: Scope, *, status: int, seconds: float) -> None:
        route = route_template(scope)
        method = scope.get("method", "GET")
        method = method if method in METHODS else "other"
        self.requests.labels(route, method, str(status)).inc()
        self.duration.labels(route, method).observe(seconds)


def route_template(scope: Scope) -> str:
    """The template of the route the router matched (it records it in the scope), else
    ``unmatched``: a 404, or a request refused before routing."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # An exception escaping the app is answered 500 by the server-error layer outside us.
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.metrics.observe(scope, status=status, seconds=time.perf_counter() - started)


def count_requests(app: FastAPI, *, service: str, registry: CollectorRegistry) -> HttpMetrics:
    """Installs the middleware on ``app``; call once per app, before it serves."""
    metrics = HttpMetrics(service, registry)
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics)
    return metrics
