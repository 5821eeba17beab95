"""``POST /v1/hooks/{provider}/{source_id}``: verified webhooks in, tracking events to Kafka.

The URL names the source; the provider's signature or credentials authenticate it. A request
that does not prove its origin is answered 401 and counted by reason. Per-item problems go to
the dead-letter topic with the reason, the rest is published; a delivery already taken (same
messageId) is acknowledged without publishing again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter

from services.collector.app import Ingestor
from services.collector.body import read_capped
from services.collector.integrations.common import Parsed, Refused, Rejected, WebhookRequest
from services.collector.integrations.providers import PROVIDERS, Provider
from services.collector.integrations.salesforce import ACK
from services.collector.integrations.store import IntegrationLookup, ReceiptBook
from services.collector.responses import errors
from services.collector.storable import storable_event
from shared.errors import BadInput
from shared.producer import dead_letter


class WebhookMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.refused = Counter(
            "boucle_collector_webhooks_refused_total",
            "Webhook requests refused with 401 (forged, stale, replayed, unauthenticated…)",
            ["provider", "reason"],
            registry=registry,
        )
        self.events = Counter(
            "boucle_collector_webhook_events_total",
            "Webhook items by outcome (published, duplicate, rejected, ignored)",
            ["provider", "outcome"],
            registry=registry,
        )


def _refusal(metrics: WebhookMetrics, provider: str, exc: Refused) -> JSONResponse:
    metrics.refused.labels(provider, exc.reason).inc()
    return JSONResponse(
        {"success": False, "error": "unauthorized", "message": exc.message, "field": exc.reason},
        status_code=401,
    )


def integrations_router(
    ingestor: Ingestor,
    *,
    directory: IntegrationLookup,
    receipts: ReceiptBook,
    registry: CollectorRegistry,
    public_base_url: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> APIRouter:
    router = APIRouter(tags=["integrations"])
    metrics = WebhookMetrics(registry)
    limit = ingestor.options.limits.max_request_bytes

    @router.post("/v1/hooks/{provider}/{source_id}", responses=errors(400, 401, 408, 413, 503))
    async def hook(provider: str, source_id: str, request: Request) -> Response:
        now = clock()
        integration = PROVIDERS.get(provider)
        found = await directory.find(source_id) if integration else None
        if integration is None or found is None or found.provider != provider:
            return _refusal(
                metrics,
                provider if integration else "unknown",
                Refused(
                    "unknown_source", f"no enabled {provider} integration for source {source_id}"
                ),
            )
        body = await read_capped(
            request, limit=limit, deadlines=ingestor.options.limits.body_deadlines()
        )
        webhook = WebhookRequest(
            method=request.method,
            url=_signed_url(request, public_base_url),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            query=dict(request.query_params),
        )
        try:
            replay_key = integration.verify(webhook, found.secret, now=now)
        except Refused as exc:
            return _refusal(metrics, provider, exc)
        receipt = f"sig:{hashlib.sha256(replay_key.encode()).hexdigest()}" if replay_key else None
        if receipt and await receipts.seen([receipt]):
            return _refusal(
                metrics,
                provider,
                Refused(
                    "replayed",
                    "this signed request was already received; a retry must be signed "
                    "anew by the provider",
                ),
            )
        outcome = await _take(integration, webhook, source_id, now, ingestor, receipts, metrics)
        await receipts.record([receipt] if receipt else [])
        if integration.soap_ack:
            return Response(ACK, media_type="text/xml")
        return JSONResponse({"success": True, **outcome})

    return router


async def _take(
    integration: Provider,
    webhook: WebhookRequest,
    source_id: str,
    now: datetime,
    ingestor: Ingestor,
    receipts: ReceiptBook,
    metrics: WebhookMetrics,
) -> dict[str, Any]:
    parsed = storable(integration.parse(webhook, source_id=source_id, received_at=now))
    known = await receipts.seen(f"msg:{e.message_id}" for e in parsed.events)
    fresh = [e for e in parsed.events if f"msg:{e.message_id}" not in known]
    fresh = list({e.message_id: e for e in fresh}.values())  # one delivery may repeat an item
    dead = [
        dead_letter(
            topic=ingestor.topics.dead_letter,
            key=source_id,
            reason=r.reason,
            payload=r.payload,
            origin=(
                ("origin", f"webhook:{integration.name}"),
                ("source-id", source_id),
                ("received-at", now.isoformat()),
            ),
        )
        for r in parsed.rejected
    ]
    taken = len(parsed.events) - len(fresh)
    recent = await ingestor.publish(fresh, dead, known_duplicates=taken)
    await receipts.record(f"msg:{e.message_id}" for e in fresh)
    counts = {
        "published": len(fresh) - recent,
        "duplicate": taken + recent,
        "rejected": len(parsed.rejected),
        "ignored": parsed.ignored,
    }
    for outcome, count in counts.items():
        metrics.events.labels(integration.name, outcome).inc(count)
    return {
        "accepted": counts["published"],
        "duplicates": counts["duplicate"],
        "ignored": parsed.ignored,
        "rejected": [{"reason": r.reason} for r in parsed.rejected],
    }


def storable(parsed: Parsed) -> Parsed:
    """A provider's events that a store downstream could not hold are rejected like any
    item that cannot become an event: dead-lettered with the reason, the rest taken."""
    events, rejected = [], list(parsed.rejected)
    for event in parsed.events:
        try:
            storable_event(event)
        except BadInput as exc:
            rejected.append(
                Rejected(reason=f"{event.event}: {exc.message}", payload=event.to_bytes())
            )
        else:
            events.append(event)
    return Parsed(events=events, rejected=rejected, ignored=parsed.ignored)


def _signed_url(request: Request, public_base_url: str | None) -> str:
    """The URL the provider signed: behind a proxy, the public one it was configured with."""
    if not public_base_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{public_base_url.rstrip('/')}{request.url.path}{query}"
