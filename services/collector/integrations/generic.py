"""Boucle's own JSON webhook format, for CRMs without a dedicated integration. Pure.

The sender signs with the source's secret: ``X-Boucle-Signature: t=<unix seconds>,v1=<hex>``
where ``v1`` is HMAC-SHA256 of ``"<t>." + body``; five minutes either way are accepted. The body
is ``{"events": [...]}``; each event has a stable ``id`` (a retry sends the same one), a
lifecycle ``event``, ``occurredAt`` and at least one of ``email``, ``contactId``,
``anonymousId`` or ``userId``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.collector.integrations.common import (
    EventSpec,
    Parsed,
    Refused,
    WebhookRequest,
    amount,
    check_window,
    collect,
    from_epoch,
    from_iso,
    hmac_sha256,
    identities,
    json_body,
    message_id,
    same,
)
from shared.errors import BadInput

PROVIDER = "generic"
WINDOW = timedelta(minutes=5)
HEADER = "x-boucle-signature"
LIFECYCLE = frozenset({"Lead Created", "Opportunity Created", "Deal Won", "Deal Lost"})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return f"t={timestamp},v1={hmac_sha256(secret, timestamp.encode() + b'.' + body).hex()}"


def verify(request: WebhookRequest, secret: str, *, now: datetime) -> str:
    header = request.headers.get(HEADER, "")
    parts = dict(part.partition("=")[::2] for part in header.split(",") if "=" in part)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp or not signature:
        raise Refused(
            "unauthenticated", "X-Boucle-Signature: t=<unix seconds>,v1=<hex HMAC> is required"
        )
    moment = from_epoch(timestamp)
    if moment is None:
        raise Refused("forged", "X-Boucle-Signature t= is not a Unix time")
    check_window(moment, now=now, window=WINDOW)
    if not same(sign(secret, timestamp, request.body), f"t={timestamp},v1={signature}"):
        raise Refused("forged", "X-Boucle-Signature does not match the body and timestamp")
    return f"{PROVIDER}:{signature}"


def parse(request: WebhookRequest, *, source_id: str, received_at: datetime) -> Parsed:
    body = json_body(request.body)
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise BadInput('the body is {"events": [...]}', field="events")
    return collect(events, _event, source_id=source_id, received_at=received_at)


def _event(item: Any) -> EventSpec:
    if not isinstance(item, dict):
        raise BadInput("each event must be an object")
    name, event_id = item.get("event"), item.get("id")
    if name not in LIFECYCLE:
        raise BadInput(f"event must be one of {sorted(LIFECYCLE)}", field="event")
    occurred = from_iso(item.get("occurredAt"))
    if not event_id or occurred is None:
        raise BadInput("id and occurredAt (ISO-8601) are required", field="occurredAt")
    crm = str(item.get("crm") or "crm")
    given = item.get("properties")
    extra: dict[str, Any] = given if isinstance(given, dict) else {}
    value = amount(item.get("amount"))
    return EventSpec(
        event=str(name),
        message_id=message_id(PROVIDER, crm, str(event_id)),
        occurred_at=occurred,
        identities=identities(item.get("email"), **{f"{crm}_contact": item.get("contactId")}),
        anonymous_id=str(item["anonymousId"]) if item.get("anonymousId") else None,
        user_id=str(item["userId"]) if item.get("userId") else None,
        channel="crm",
        properties={
            **extra,
            "crm": crm,
            "deal_id": item.get("dealId"),
            "stage": item.get("stage"),
            "amount": str(value) if value is not None else None,
            "revenue": str(value) if value is not None and name == "Deal Won" else None,
            "currency": str(item["currency"]).upper() if item.get("currency") else None,
        },
    )
