"""The collector's HTTP API: Segment Tracking API calls in, enriched events to Kafka out.

A 2xx means Kafka acknowledged every accepted event (acks=all); when it cannot, the answer is a
503 with ``Retry-After`` and the client keeps the events to send again.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CollectorRegistry
from pydantic import TypeAdapter, ValidationError

from services.collector.addresses import bucket_key, client_address, parse_networks
from services.collector.body import TooLarge, basic_username, read_capped
from services.collector.browser import add_browser_routes, cors_headers, gif_response, pixel_message
from services.collector.dedupe import InFlight, RecentIds
from services.collector.enrichment import enrich
from services.collector.metrics import CollectorMetrics
from services.collector.pipeline import collector_pipeline_router
from services.collector.ratelimit import Rate, RateLimited, Throttle
from services.collector.responses import (
    INGESTION_ERRORS,
    OriginRefused,
    Unauthorized,
    add_error_handlers,
    count_rate_limited,
)
from services.collector.segment import batch_items, encode_json, parse_json, parse_message
from services.collector.settings import CollectorOptions
from services.collector.sources import Authenticator, Source
from services.collector.storable import storable_derived, storable_message
from shared.api import answer_validation_errors
from shared.errors import BadInput, DependencyDown
from shared.events import EventType, TrackingEvent
from shared.http_metrics import count_requests
from shared.ops import MetricsGuard, ReadinessCheck, ops_router
from shared.pages import Pages, pages_router
from shared.producer import OutgoingRecord, RecordSink, dead_letter
from shared.settings import TopicSettings

SINGLE_CALLS: tuple[EventType, ...] = ("track", "page", "screen", "identify", "group", "alias")
_datetime = TypeAdapter(datetime)


# analytics.js (analytics-next) posts each call to its type's first letter, and batches to /b.
SHORT_PATHS: dict[str, EventType] = {call[0]: call for call in SINGLE_CALLS}


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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.producer = producer
        self.sources = sources
        self.options = options
        self.topics = topics
        self.metrics = metrics
        self.recent = RecentIds(max_ids=options.dedupe.max_ids, window_s=options.dedupe.window_s)
        self.in_flight = InFlight()
        rates = options.rate_limits
        self.throttle = Throttle(
            per_source=Rate(rates.source_events_per_s, rates.source_events_burst),
            per_address=Rate(rates.ip_requests_per_s, rates.ip_requests_burst),
            max_addresses=rates.max_tracked_ips,
            clock=clock,
        )
        self.trusted_proxies = parse_networks(options.trusted_proxies)

    def client(self, request: Request) -> str | None:
        """The sender's address: the peer, or what a trusted proxy says in X-Forwarded-For."""
        peer = request.client.host if request.client else None
        forwarded = request.headers.getlist("x-forwarded-for")
        return client_address(peer, forwarded, trusted=self.trusted_proxies)

    def admit(self, request: Request) -> str | None:
        """The per-address request limit, before the body is read; returns the address."""
        address = self.client(request)
        self.throttle.check_address(bucket_key(address))
        return address

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
        address = self.admit(request)
        limits = self.options.limits
        body = await read_capped(
            request, limit=limits.max_event_bytes, deadlines=limits.body_deadlines()
        )
        raw = parse_json(body, max_depth=self.options.limits.max_json_depth)
        source = await self.authenticate(request, raw)
        self.throttle.check_source(source.source_id, 1)
        if isinstance(raw, dict):
            storable_message(raw, encoded=body)
        message = parse_message(raw, call=call)
        event = enrich(
            message,
            source_id=source.source_id,
            received_at=received_at,
            sent_at=None,
            offline=source.kind == "offline",
            peer_ip=address,
            user_agent=_browser_agent(request),
            tracking_categories=self.options.privacy.tracking_categories,
        )
        storable_derived(event)
        duplicates = await self.publish([event], [])
        return {"success": True, "duplicates": duplicates}

    async def batch(self, request: Request) -> dict[str, Any]:
        received_at = datetime.now(UTC)
        peer = self.admit(request)
        limits = self.options.limits
        body = await read_capped(
            request, limit=limits.max_request_bytes, deadlines=limits.body_deadlines()
        )
        raw = parse_json(body, max_depth=self.options.limits.max_json_depth)
        source = await self.authenticate(request, raw)
        items = batch_items(raw, max_events=self.options.limits.max_batch_events)
        self.metrics.received.labels("batch").inc(len(items))
        self.throttle.check_source(source.source_id, len(items))
        sent_at = _sent_at(raw)
        agent = _browser_agent(request)
        events: list[TrackingEvent] = []
        rejected: list[dict[str, Any]] = []
        dead: list[OutgoingRecord] = []
        for index, item in enumerate(items):
            try:
                enriched = self._enriched(
                    item, index, source, received_at, sent_at, peer=peer, agent=agent
                )
                events.append(enriched)
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
        """Never raises for bad input or limits: the pixel's answer is always the GIF."""
        received_at = datetime.now(UTC)
        self.metrics.received.labels("pixel").inc()
        params = dict(request.query_params)
        key = params.pop("k", None) or params.pop("writeKey", None)
        try:
            self.admit(request)
            source = await self.sources.authenticate(key) if key else None
            if source is not None:
                self.throttle.check_source(source.source_id, 1)
        except RateLimited as exc:
            count_rate_limited(self.metrics, exc)
            return
        if source is None:
            self.metrics.rejected.labels("unauthorized").inc()
            return
        raw = pixel_message(params)
        try:
            storable_message(raw, encoded=None)
            event = enrich(
                parse_message(raw, call=None),
                source_id=source.source_id,
                received_at=received_at,
                sent_at=None,
                user_agent=request.headers.get("user-agent"),
            )
            storable_derived(event)
        except BadInput as exc:
            self.metrics.rejected.labels(exc.code).inc()
            await self.publish([], [self._dead_letter(raw, exc, source, 0, received_at)])
            return
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
        agent: str | None,
    ) -> TrackingEvent:
        encoded = encode_json(item)
        if len(encoded) > self.options.limits.max_event_bytes:
            raise TooLarge(
                f"event is {len(encoded)} bytes; the limit is "
                f"{self.options.limits.max_event_bytes} per event"
            )
        where = f"batch[{index}]"
        if isinstance(item, dict):
            storable_message(item, where=where, encoded=encoded)
        message = parse_message(item, call=None, where=where)
        event = enrich(
            message,
            source_id=source.source_id,
            received_at=received_at,
            sent_at=sent_at,
            offline=source.kind == "offline",
            peer_ip=peer,
            user_agent=agent,
            tracking_categories=self.options.privacy.tracking_categories,
        )
        storable_derived(event, where=where)
        return event

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

    async def publish(
        self,
        events: Sequence[TrackingEvent],
        dead: Sequence[OutgoingRecord],
        *,
        known_duplicates: int = 0,
    ) -> int:
        """Durably accepts the events not seen recently; returns how many were duplicates.
        ``known_duplicates`` are those the caller already dropped (webhook and import receipts):
        they are counted with the rest."""
        fresh: dict[str, TrackingEvent] = {}
        twins: list[tuple[str, TrackingEvent, asyncio.Future[bool]]] = []
        for event in events:
            key = f"{event.source_id}/{event.message_id}"
            if key in fresh or self.recent.seen(key):
                continue
            twin = self.in_flight.twin_of(key)
            if twin is None:
                fresh[key] = event
            else:
                twins.append((key, event, twin))
        for key, event, twin in twins:
            if not await asyncio.shield(twin):  # the first attempt failed: this one must go
                fresh[key] = event
        if fresh or dead:  # a retry of what was already delivered has nothing to send
            self.in_flight.begin(list(fresh))
            delivered = False
            try:
                await self._send(fresh, dead)
                delivered = True
            finally:
                self.in_flight.end(list(fresh), delivered=delivered)
        for event in fresh.values():
            self.metrics.accepted.labels(event.type).inc()
        self.metrics.dead_lettered.inc(len(dead))
        duplicates = len(events) - len(fresh)
        self.metrics.deduplicated.inc(duplicates + known_duplicates)
        return duplicates

    async def _send(self, fresh: dict[str, TrackingEvent], dead: Sequence[OutgoingRecord]) -> None:
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


def _browser_agent(request: Request) -> str | None:
    """A page's User-Agent header (browsers send Origin with their posts); a server library's
    own user agent says nothing of the person's device."""
    return request.headers.get("user-agent") if request.headers.get("origin") else None


def _sent_at(raw: dict[str, Any]) -> datetime | None:
    if raw.get("sentAt") in (None, ""):
        return None
    try:
        return _datetime.validate_python(raw["sentAt"])
    except ValidationError as exc:
        raise BadInput("sentAt: must be an ISO-8601 date-time", field="sentAt") from exc


def create_app(
    ingestor: Ingestor,
    *,
    registry: CollectorRegistry,
    checks: Mapping[str, ReadinessCheck],
    routers: Sequence[APIRouter] = (),
    metrics_guard: MetricsGuard | None = None,
    pages: Pages | None = None,
) -> FastAPI:
    """``pages``: the pipeline page (README, Pages), which reads every service's
    ``/v1/pipeline``."""
    app = FastAPI(title="Boucle collector", version="1")
    count_requests(app, service="collector", registry=registry)
    app.include_router(ops_router(registry=registry, checks=checks, guard=metrics_guard))
    app.include_router(collector_pipeline_router(registry))
    if pages is not None:
        app.include_router(pages_router(pages))
    for router in routers:  # webhooks and imports, which need more than the Ingestor
        app.include_router(router)
    metrics = ingestor.metrics

    add_error_handlers(app, metrics)
    answer_validation_errors(app)

    for call in SINGLE_CALLS:
        _add_single_route(app, ingestor, call, path=f"/v1/{call}")
    for letter, call in SHORT_PATHS.items():
        _add_single_route(app, ingestor, call, path=f"/v1/{letter}")

    @app.post("/v1/batch", responses=INGESTION_ERRORS)
    @app.post("/v1/import", responses=INGESTION_ERRORS)
    @app.post("/v1/b", responses=INGESTION_ERRORS)
    async def batch(request: Request, response: Response) -> dict[str, Any]:
        result = await ingestor.batch(request)
        response.headers.update(cors_headers(request))
        return result

    @app.get(
        "/v1/pixel.gif",
        responses={200: {"content": {"image/gif": {}}, "description": "Always the GIF"}},
    )
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
        result = await ingestor.single(request, call)
        response.headers.update(cors_headers(request))
        return result

    app.add_api_route(path, single, methods=["POST"], name=path, responses=INGESTION_ERRORS)
