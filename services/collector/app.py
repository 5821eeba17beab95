"""The collector's HTTP API: Segment Tracking API calls in, enriched events to Kafka out.

A 2xx means Kafka acknowledged every accepted event (acks=all); when it cannot, the answer is a
503 with ``Retry-After`` and the client keeps the events to send again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry
from pydantic import TypeAdapter, ValidationError

from services.collector.body import TooLarge, basic_username, read_capped
from services.collector.browser import add_browser_routes, cors_headers, gif_response, pixel_message
from services.collector.dedupe import RecentIds
from services.collector.enrichment import enrich
from services.collector.segment import batch_items, encoded_size, parse_json, parse_message
from services.collector.settings import CollectorOptions
from services.collector.sources import Authenticator, Source
from shared.errors import BadInput, DependencyDown
from shared.events import EventType, TrackingEvent
from shared.metrics import CollectorMetrics
from shared.ops import ReadinessCheck, ops_router
from shared.producer import OutgoingRecord, RecordSink, dead_letter
from shared.settings import TopicSettings

SINGLE_CALLS: tuple[EventType, ...] = ("track", "page", "screen", "identify", "group", "alias")
_datetime = TypeAdapter(datetime)


# analytics.js (analytics-next) posts each call to its type's first letter, and batches to /b.
SHORT_PATHS: dict[str, EventType] = {call[0]: call for call in SINGLE_CALLS}


class Unauthorized(Exception):
    pass


class OriginRefused(Exception):
    def __init__(self, origin: str) -> None:
        super().__init__(origin)
        self.origin = origin


class Ingestor:
    """Validates, enriches and publishes; everything the routes do besides HTTP."""

    def __init__(
        self,
        producer: RecordSink,
        sources: Authenticator,
        *,
        options: CollectorOptions,
        topics: TopicSettings,
        metrics: CollectorMetrics,
    ) -> None:
        self.producer = producer
        self.sources = sources
        self.options = options
        self.topics = topics
        self.metrics = metrics
        self.recent = RecentIds(max_ids=options.dedupe.max_ids, window_s=options.dedupe.window_s)

    async def authenticate(self, request: Request, body: Any) -> Source:
        key = basic_username(request.headers.get("authorization"))
        if key is None and isinstance(body, dict) and isinstance(body.get("writeKey"), str):
            key = body["writeKey"]
        source = await self.sources.authenticate(key) if key else None
        if source is None:
            raise Unauthorized
        origin = request.headers.get("origin")
        if origin:
            if not source.allows_origin(origin):
                raise OriginRefused(origin)
            request.state.cors_origin = origin
        return source

    async def single(self, request: Request, call: EventType) -> dict[str, Any]:
        received_at = datetime.now(UTC)
        self.metrics.received.labels("single").inc()
        body = await read_capped(request, limit=self.options.limits.max_event_bytes)
        raw = parse_json(body, max_depth=self.options.limits.max_json_depth)
        source = await self.authenticate(request, raw)
        message = parse_message(raw, call=call)
        event = enrich(
            message,
            source_id=source.source_id,
            received_at=received_at,
            sent_at=None,
            offline=source.kind == "offline",
            peer_ip=request.client.host if request.client else None,
        )
        await self.publish([event], [])
        return {"success": True}

    async def batch(self, request: Request) -> dict[str, Any]:
        received_at = datetime.now(UTC)
        body = await read_capped(request, limit=self.options.limits.max_request_bytes)
        raw = parse_json(body, max_depth=self.options.limits.max_json_depth)
        source = await self.authenticate(request, raw)
        items = batch_items(raw, max_events=self.options.limits.max_batch_events)
        self.metrics.received.labels("batch").inc(len(items))
        sent_at = _sent_at(raw)
        peer = request.client.host if request.client else None
        events: list[TrackingEvent] = []
        rejected: list[dict[str, Any]] = []
        dead: list[OutgoingRecord] = []
        for index, item in enumerate(items):
            try:
                events.append(self._enriched(item, index, source, received_at, sent_at, peer=peer))
            except BadInput as exc:
                rejected.append({"index": index, "reason": exc.message, "field": exc.field})
                dead.append(self._dead_letter(item, exc, source, index, received_at))
                self.metrics.rejected.labels(exc.code).inc()
        duplicates = await self.publish(events, dead)
        return {
            "success": True,
            "accepted": len(events),
            "rejected": rejected,
            "duplicates": duplicates,
        }

    async def pixel(self, request: Request) -> None:
        """Never raises for bad input: the pixel's answer is always the GIF."""
        received_at = datetime.now(UTC)
        self.metrics.received.labels("pixel").inc()
        params = dict(request.query_params)
        key = params.pop("k", None) or params.pop("writeKey", None)
        source = await self.sources.authenticate(key) if key else None
        if source is None:
            self.metrics.rejected.labels("unauthorized").inc()
            return
        raw = pixel_message(params)
        try:
            message = parse_message(raw, call=None)
        except BadInput as exc:
            self.metrics.rejected.labels(exc.code).inc()
            await self.publish([], [self._dead_letter(raw, exc, source, 0, received_at)])
            return
        event = enrich(message, source_id=source.source_id, received_at=received_at, sent_at=None)
        await self.publish([event], [])

    def _enriched(
        self,
        item: Any,
        index: int,
        source: Source,
        received_at: datetime,
        sent_at: datetime | None,
        *,
        peer: str | None,
    ) -> TrackingEvent:
        size = encoded_size(item)
        if size > self.options.limits.max_event_bytes:
            raise TooLarge(
                f"event is {size} bytes; the limit is "
                f"{self.options.limits.max_event_bytes} per event"
            )
        message = parse_message(item, call=None, where=f"batch[{index}]")
        return enrich(
            message,
            source_id=source.source_id,
            received_at=received_at,
            sent_at=sent_at,
            offline=source.kind == "offline",
            peer_ip=peer,
        )

    def _dead_letter(
        self, item: Any, exc: BadInput, source: Source, index: int, received_at: datetime
    ) -> OutgoingRecord:
        return dead_letter(
            topic=self.topics.dead_letter,
            key=source.source_id,
            reason=exc.message,
            payload=json.dumps(item).encode(),
            origin=(
                ("origin", "collector"),
                ("source-id", source.source_id),
                ("batch-index", str(index)),
                ("received-at", received_at.isoformat()),
            ),
        )

    async def publish(self, events: Sequence[TrackingEvent], dead: Sequence[OutgoingRecord]) -> int:
        """Durably accepts the events not seen recently; returns how many were duplicates."""
        fresh: dict[str, TrackingEvent] = {}
        for event in events:
            key = f"{event.source_id}/{event.message_id}"
            if key not in fresh and not self.recent.seen(key):
                fresh[key] = event
        records = [
            OutgoingRecord(topic=self.topics.raw_events, key=event.actor_id, value=event.to_bytes())
            for event in fresh.values()
        ]
        started = time.perf_counter()
        try:
            await self.producer.send_all([*records, *dead])
        except DependencyDown:
            self.metrics.publish_errors.inc()
            raise
        self.metrics.publish_latency.observe(time.perf_counter() - started)
        self.recent.remember(list(fresh))
        for event in fresh.values():
            self.metrics.accepted.labels(event.type).inc()
        self.metrics.dead_lettered.inc(len(dead))
        self.metrics.deduplicated.inc(len(events) - len(fresh))
        return len(events) - len(fresh)


def _sent_at(raw: dict[str, Any]) -> datetime | None:
    if raw.get("sentAt") in (None, ""):
        return None
    try:
        return _datetime.validate_python(raw["sentAt"])
    except ValidationError as exc:
        raise BadInput("sentAt: must be an ISO-8601 date-time", field="sentAt") from exc


def _error(
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


def create_app(
    ingestor: Ingestor,
    *,
    registry: CollectorRegistry,
    checks: Mapping[str, ReadinessCheck],
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    app = FastAPI(title="Boucle collector", version="1")
    app.include_router(ops_router(registry=registry, checks=checks))
    for router in routers:  # webhooks and imports, which need more than the Ingestor
        app.include_router(router)
    metrics = ingestor.metrics

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> JSONResponse:
        metrics.rejected.labels(exc.code).inc()
        status = 413 if isinstance(exc, TooLarge) else 400
        return _error(status, exc.code, exc.message, field=exc.field, headers=cors_headers(request))

    @app.exception_handler(OriginRefused)
    async def origin_refused(_: Request, exc: OriginRefused) -> JSONResponse:
        metrics.rejected.labels("origin_not_allowed").inc()
        return _error(
            403,
            "origin_not_allowed",
            f"pages of {exc.origin} may not send with this write key; add the origin with "
            "`python -m services.collector sources origins NAME ORIGIN…`",
            field="Origin",
        )

    @app.exception_handler(Unauthorized)
    async def unauthorized(_: Request, __: Unauthorized) -> JSONResponse:
        metrics.rejected.labels("unauthorized").inc()
        return _error(
            401,
            "unauthorized",
            "unknown or disabled write key: send it as the HTTP "
            "Basic username or as the writeKey field of the body",
            headers={"WWW-Authenticate": 'Basic realm="boucle"'},
        )

    @app.exception_handler(DependencyDown)
    async def dependency_down(request: Request, exc: DependencyDown) -> JSONResponse:
        metrics.rejected.labels("unavailable").inc()
        return _error(
            503,
            "unavailable",
            f"{exc.dependency} is unavailable; nothing was accepted, retry later",
            headers={"Retry-After": "5", **cors_headers(request)},
        )

    for call in SINGLE_CALLS:
        _add_single_route(app, ingestor, call, path=f"/v1/{call}")
    for letter, call in SHORT_PATHS.items():
        _add_single_route(app, ingestor, call, path=f"/v1/{letter}")

    @app.post("/v1/batch")
    @app.post("/v1/import")
    @app.post("/v1/b")
    async def batch(request: Request, response: Response) -> dict[str, Any]:
        with metrics.request_latency.labels("batch").time():
            result = await ingestor.batch(request)
        response.headers.update(cors_headers(request))
        return result

    @app.get("/v1/pixel.gif")
    async def pixel(request: Request) -> Response:
        try:
            await ingestor.pixel(request)
        except DependencyDown:
            metrics.rejected.labels("unavailable").inc()
        return gif_response()

    add_browser_routes(app, ingestor.sources, snippet_max_age_s=300)
    return app


def _add_single_route(app: FastAPI, ingestor: Ingestor, call: EventType, *, path: str) -> None:
    async def single(request: Request, response: Response) -> dict[str, Any]:
        with ingestor.metrics.request_latency.labels(call).time():
            result = await ingestor.single(request, call)
        response.headers.update(cors_headers(request))
        return result

    app.add_api_route(path, single, methods=["POST"], name=path)
