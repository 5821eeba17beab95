"""Pipedrive webhooks v2: HTTP Basic credentials you choose, JSON ``data``/``previous``/``meta``.

Pipedrive does not sign webhooks; a webhook is created with ``http_auth_user`` and
``http_auth_password`` and every delivery carries them as HTTP Basic credentials. Boucle stores
a SHA-256 of ``user:password`` and compares. There is no timestamp to bound a replay, so
retries and replays alike map to the same messageId (from the deal id and lifecycle step, or
``meta.id``) and are taken once. Pure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from typing import Any

from services.collector.integrations.common import (
    EventSpec,
    Parsed,
    Refused,
    WebhookRequest,
    amount,
    collect,
    from_epoch,
    from_iso,
    identities,
    json_body,
    message_id,
    same,
)
from shared.errors import BadInput

PROVIDER = "pipedrive"
DEAL_STATUS_EVENTS = {"won": "Deal Won", "lost": "Deal Lost"}


def credentials_hash(user: str, password: str) -> str:
    return hashlib.sha256(f"{user}:{password}".encode()).hexdigest()


def verify(request: WebhookRequest, secret: str, *, now: datetime) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user = password = ""
    if scheme.lower() != "basic" or not user:
        raise Refused(
            "unauthenticated",
            "HTTP Basic credentials are required: set "
            "http_auth_user and http_auth_password on the Pipedrive webhook",
        )
    if not same(secret, credentials_hash(user, password)):
        raise Refused("forged", "wrong HTTP Basic credentials for this Pipedrive source")
    return None  # nothing signed: replays are absorbed by messageId instead


def parse(request: WebhookRequest, *, source_id: str, received_at: datetime) -> Parsed:
    body = json_body(request.body)
    if not isinstance(body, dict) or not isinstance(body.get("meta"), dict):
        raise BadInput("a Pipedrive webhook v2 body has meta and data objects", field="meta")
    return collect([body], _event, source_id=source_id, received_at=received_at)


def _event(body: dict[str, Any]) -> EventSpec | None:
    meta = body["meta"]
    data = body.get("data") if isinstance(body.get("data"), dict) else None
    if data is None or meta.get("action") == "delete":
        return None
    sent = from_epoch(meta.get("timestamp")) or from_iso(meta.get("timestamp"))
    if meta.get("entity") == "deal":
        return _deal(data, meta, sent)
    if meta.get("entity") == "person" and meta.get("action") == "create":
        return _person(data, sent)
    return None


def _deal(data: dict[str, Any], meta: dict[str, Any], sent: datetime | None) -> EventSpec | None:
    deal_id, status = data.get("id"), str(data.get("status"))
    event = DEAL_STATUS_EVENTS.get(status)
    if event is None and meta.get("action") == "create":
        event = "Opportunity Created"
    if event is None:
        return None  # an edit of an open deal
    occurred = from_iso(data.get(f"{status}_time")) or from_iso(data.get("add_time")) or sent
    if deal_id is None or occurred is None:
        raise BadInput("a Pipedrive deal needs data.id and a time (add_time or meta.timestamp)")
    value = amount(data.get("value"), field="data.value")
    return EventSpec(
        event=event,
        message_id=message_id(PROVIDER, "deal", str(deal_id), event),
        occurred_at=occurred,
        identities=identities(pipedrive_person=data.get("person_id")),
        channel="crm",
        properties={
            "crm": PROVIDER,
            "deal_id": str(deal_id),
            "stage": data.get("stage_id"),
            "pipeline": data.get("pipeline_id"),
            "deal_name": data.get("title"),
            "status": status,
            "amount": str(value) if value is not None else None,
            "revenue": str(value) if value is not None and event == "Deal Won" else None,
            "currency": str(data["currency"]).upper() if data.get("currency") else None,
            "lost_reason": data.get("lost_reason"),
        },
    )


def _person(data: dict[str, Any], sent: datetime | None) -> EventSpec:
    person_id = data.get("id")
    occurred = from_iso(data.get("add_time")) or sent
    if person_id is None or occurred is None:
        raise BadInput("a Pipedrive person needs data.id and add_time")
    return EventSpec(
        event="Lead Created",
        message_id=message_id(PROVIDER, "person", str(person_id), "Lead Created"),
        occurred_at=occurred,
        identities=identities(primary_email(data), pipedrive_person=person_id),
        channel="crm",
        properties={"crm": PROVIDER, "person_id": str(person_id)},
    )


def primary_email(person: dict[str, Any]) -> str | None:
    """v2 sends ``emails`` (v1 sent ``email``): a list of {value, primary, label}."""
    entries = person.get("emails", person.get("email"))
    if not isinstance(entries, list):
        return None
    values = [e for e in entries if isinstance(e, dict) and isinstance(e.get("value"), str)]
    values.sort(key=lambda e: not e.get("primary"))
    return values[0]["value"] if values else None
