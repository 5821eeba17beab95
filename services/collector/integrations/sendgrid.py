"""SendGrid Event Webhook: ECDSA-signed arrays of email events. Pure.

Twilio SendGrid signs ``timestamp + body`` with ECDSA P-256 / SHA-256; the base64 DER signature
is in ``X-Twilio-Email-Event-Webhook-Signature``, the timestamp (Unix seconds) in
``X-Twilio-Email-Event-Webhook-Timestamp``, and the verification key shown in Mail Settings is a
base64 DER public key. SendGrid documents no time window; Boucle accepts ten minutes either way.
Each event has a unique ``sg_event_id``, from which the messageId is derived.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from services.collector.integrations.common import (
    EventSpec,
    Parsed,
    Refused,
    WebhookRequest,
    check_window,
    collect,
    email_event,
    from_epoch,
    json_body,
)
from shared.errors import BadInput

PROVIDER = "sendgrid"
WINDOW = timedelta(minutes=10)
SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature"
TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp"
EVENTS = {
    "delivered": "Email Delivered",
    "open": "Email Opened",
    "click": "Email Link Clicked",
    "bounce": "Email Bounced",
    "spamreport": "Email Marked as Spam",
    "unsubscribe": "Unsubscribed",
    "group_unsubscribe": "Unsubscribed",
}


def public_key(secret: str) -> ec.EllipticCurvePublicKey:
    """The verification key as SendGrid shows it (base64 DER, no PEM armour)."""
    try:
        key = load_der_public_key(base64.b64decode(secret))
    except (ValueError, binascii.Error, UnsupportedAlgorithm) as exc:
        raise ValueError("the SendGrid verification key is not a base64 DER public key") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("the SendGrid verification key is not an elliptic-curve key")
    return key


def verify(request: WebhookRequest, secret: str, *, now: datetime) -> str:
    signature = request.headers.get(SIGNATURE_HEADER)
    timestamp = request.headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise Refused(
            "unauthenticated",
            "X-Twilio-Email-Event-Webhook-Signature and "
            "-Timestamp headers are required: enable the Signed Event Webhook",
        )
    moment = from_epoch(timestamp)
    if moment is None:
        raise Refused("forged", "X-Twilio-Email-Event-Webhook-Timestamp is not a Unix time")
    check_window(moment, now=now, window=WINDOW)
    try:
        public_key(secret).verify(
            base64.b64decode(signature),
            timestamp.encode() + request.body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise Refused(
            "forged",
            "the SendGrid signature does not match the body and timestamp; "
            "check the verification key configured for this source",
        ) from exc
    return f"{PROVIDER}:{signature}"


def parse(request: WebhookRequest, *, source_id: str, received_at: datetime) -> Parsed:
    body = json_body(request.body)
    if not isinstance(body, list):
        raise BadInput("a SendGrid Event Webhook body is a JSON array of events")
    return collect(body, _event, source_id=source_id, received_at=received_at)


def _event(item: Any) -> EventSpec | None:
    if not isinstance(item, dict):
        raise BadInput("each SendGrid event must be an object")
    name = EVENTS.get(str(item.get("event")))
    if name is None:
        return None
    event_id, occurred = item.get("sg_event_id"), from_epoch(item.get("timestamp"))
    if not event_id or occurred is None:
        raise BadInput(f"{item.get('event')} event needs sg_event_id and timestamp")
    return email_event(
        PROVIDER,
        name,
        event_id=event_id,
        occurred_at=occurred,
        recipient=item.get("email"),
        url=item.get("url"),
        campaign_name=item.get("marketing_campaign_name"),
        properties={
            "email_id": item.get("sg_message_id"),
            "category": item.get("category"),
            "reason": item.get("reason"),
            "bounce_type": item.get("type"),
            "asm_group_id": item.get("asm_group_id"),
        },
    )
