"""Mailgun webhooks: one event per request, HMAC-signed inside the body. Pure.

Mailgun posts ``{"signature": {"timestamp", "token", "signature"}, "event-data": {...}}``; the
signature is the hex HMAC-SHA256 of ``timestamp + token`` keyed by the account's HTTP webhook
signing key. The token is random per delivery, so a seen token is a replay. Each event has an
``id``, from which the messageId is derived.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any

from services.collector.integrations.common import (
    EventSpec,
    Parsed,
    Refused,
    WebhookRequest,
    check_window,
    collect,
    email_event,
    from_epoch,
    hmac_sha256,
    json_body,
)
from shared.errors import BadInput

PROVIDER = "mailgun"
WINDOW = timedelta(minutes=10)
EVENTS = {
    "delivered": "Email Delivered",
    "opened": "Email Opened",
    "clicked": "Email Link Clicked",
    "complained": "Email Marked as Spam",
    "unsubscribed": "Unsubscribed",
}


def sign(secret: str, timestamp: str, token: str) -> str:
    return hmac_sha256(secret, (timestamp + token).encode()).hex()


def verify(request: WebhookRequest, secret: str, *, now: datetime) -> str:
    body = json_body(request.body)
    signed = body.get("signature") if isinstance(body, dict) else None
    if not isinstance(signed, dict) or not all(
        isinstance(signed.get(k), str | int) for k in ("timestamp", "token", "signature")
    ):
        raise Refused(
            "unauthenticated",
            "the body's signature object (timestamp, token, signature) is required",
        )
    timestamp, token = str(signed["timestamp"]), str(signed["token"])
    moment = from_epoch(timestamp)
    if moment is None:
        raise Refused("forged", "signature.timestamp is not a Unix time")
    check_window(moment, now=now, window=WINDOW)
    if not hmac.compare_digest(sign(secret, timestamp, token), str(signed["signature"])):
        raise Refused(
            "forged",
            "the Mailgun signature does not match; check the HTTP webhook "
            "signing key configured for this source",
        )
    return f"{PROVIDER}:{token}"


def parse(request: WebhookRequest, *, source_id: str, received_at: datetime) -> Parsed:
    body = json_body(request.body)
    data = body.get("event-data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise BadInput("a Mailgun webhook body has an event-data object", field="event-data")
    return collect([data], _event, source_id=source_id, received_at=received_at)


def _event(data: Any) -> EventSpec | None:
    kind = str(data.get("event"))
    name = EVENTS.get(kind)
    # Mailgun reports bounces as "failed" with severity "permanent"; temporary ones are retried.
    if kind == "failed" and data.get("severity") == "permanent":
        name = "Email Bounced"
    if name is None:
        return None
    event_id, occurred = data.get("id"), from_epoch(data.get("timestamp"))
    if not event_id or occurred is None:
        raise BadInput(f"{kind} event needs id and timestamp")
    message = data.get("message")
    headers = message.get("headers") if isinstance(message, dict) else None
    return email_event(
        PROVIDER,
        name,
        event_id=event_id,
        occurred_at=occurred,
        recipient=data.get("recipient"),
        url=data.get("url"),
        properties={
            "email_id": headers.get("message-id") if isinstance(headers, dict) else None,
            "tags": data.get("tags"),
            "reason": data.get("reason"),
            "severity": data.get("severity"),
        },
    )
