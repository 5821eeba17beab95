"""HubSpot: v3 request signatures, Webhooks-API event arrays and workflow webhooks. Pure.

Signature v3 (HubSpot's developer docs): ``X-HubSpot-Signature-v3`` is the base64 HMAC-SHA256,
keyed by the app's client secret, of method + URI + body + ``X-HubSpot-Request-Timestamp``
(milliseconds); requests older than five minutes are to be refused.

Two payloads arrive signed that way:

* the Webhooks API posts a JSON *array* of subscription events (``contact.creation``,
  ``deal.propertyChange``…). They carry object ids and the one changed property only: a deal
  event names neither the deal's contact nor its amount. Boucle maps ``contact.creation`` to
  ``Lead Created``; deal events are acknowledged and counted as ignored (joining them to a
  person needs a HubSpot API call Boucle does not make).
* a workflow "Send a webhook" action posts a JSON *object* of the properties it was set to
  include. For deal workflows Boucle reads the keys listed in ``DEAL_KEYS``; that is the
  integration to use for deal lifecycle events.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from services.collector.integrations.common import (
    EventSpec,
    Parsed,
    Refused,
    WebhookRequest,
    amount,
    check_window,
    collect,
    from_epoch,
    hmac_sha256,
    identities,
    json_body,
    message_id,
    same,
)
from shared.errors import BadInput

PROVIDER = "hubspot"
WINDOW = timedelta(minutes=5)
WON_STAGES = frozenset({"closedwon"})
LOST_STAGES = frozenset({"closedlost"})
# Keys a deal workflow webhook is configured to send (HubSpot internal property names, plus
# the associated contact's id and email, and a custom property holding Boucle's anonymousId
# when the site's forms copy it into HubSpot).
DEAL_KEYS = (
    "hs_object_id",
    "dealstage",
    "amount",
    "deal_currency_code",
    "pipeline",
    "dealname",
    "contact_id",
    "email",
    "boucle_anonymous_id",
)


def signed_content(request: WebhookRequest, timestamp: str) -> bytes:
    # HubSpot signs the URI with its percent-escapes decoded.
    return (
        (request.method.upper() + unquote(request.url)).encode()
        + request.body
        + (timestamp.encode())
    )


def sign(secret: str, request: WebhookRequest, timestamp: str) -> str:
    return base64.b64encode(hmac_sha256(secret, signed_content(request, timestamp))).decode()


def verify(request: WebhookRequest, secret: str, *, now: datetime) -> str:
    """Checks the v3 signature and its timestamp; returns the replay key (the signature)."""
    signature = request.headers.get("x-hubspot-signature-v3")
    timestamp = request.headers.get("x-hubspot-request-timestamp")
    if not signature or not timestamp:
        raise Refused(
            "unauthenticated",
            "X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp headers are required",
        )
    moment = from_epoch(timestamp, millis=True)
    if moment is None:
        raise Refused("forged", "X-HubSpot-Request-Timestamp is not a Unix time in milliseconds")
    check_window(moment, now=now, window=WINDOW)
    if not same(sign(secret, request, timestamp), signature):
        raise Refused(
            "forged",
            "X-HubSpot-Signature-v3 does not match the request; check the "
            "app's client secret and the URL HubSpot is configured with",
        )
    return f"{PROVIDER}:{signature}"


def parse(request: WebhookRequest, *, source_id: str, received_at: datetime) -> Parsed:
    body = json_body(request.body)
    sent_at = from_epoch(request.headers.get("x-hubspot-request-timestamp"), millis=True)
    if isinstance(body, list):
        return collect(body, _subscription_event, source_id=source_id, received_at=received_at)
    if isinstance(body, dict):
        at = sent_at or received_at
        return collect(
            [body],
            lambda item: _workflow_deal(item, at),
            source_id=source_id,
            received_at=received_at,
        )
    raise BadInput("a HubSpot webhook body is a JSON array of events or a workflow object")


def _subscription_event(item: Any) -> EventSpec | None:
    if not isinstance(item, dict):
        raise BadInput("each HubSpot event must be an object")
    if item.get("subscriptionType") != "contact.creation":
        return None
    contact_id, event_id = item.get("objectId"), item.get("eventId")
    occurred = from_epoch(item.get("occurredAt"), millis=True)
    if contact_id is None or event_id is None or occurred is None:
        raise BadInput("contact.creation needs objectId, eventId and occurredAt")
    return EventSpec(
        event="Lead Created",
        message_id=message_id(PROVIDER, "lead", str(contact_id)),
        occurred_at=occurred,
        identities=identities(hubspot_contact=contact_id),
        channel="crm",
        properties={
            "crm": PROVIDER,
            "contact_id": str(contact_id),
            "portal_id": item.get("portalId"),
            "hubspot_event_id": str(event_id),
        },
    )


def lifecycle_of(stage: str) -> str:
    if stage in WON_STAGES:
        return "Deal Won"
    return "Deal Lost" if stage in LOST_STAGES else "Opportunity Created"


def _workflow_deal(item: dict[str, Any], occurred_at: datetime) -> EventSpec:
    deal_id, stage = item.get("hs_object_id"), item.get("dealstage")
    if deal_id in (None, "") or not isinstance(stage, str) or not stage:
        raise BadInput(
            "a HubSpot deal workflow webhook needs hs_object_id and dealstage",
            field="dealstage" if deal_id else "hs_object_id",
        )
    event = lifecycle_of(stage)
    value = amount(item.get("amount"))
    currency = item.get("deal_currency_code")
    return EventSpec(
        event=event,
        # One lifecycle event per deal: later workflow runs for the same stage change nothing.
        message_id=message_id(PROVIDER, "deal", str(deal_id), event),
        occurred_at=occurred_at,
        identities=identities(item.get("email"), hubspot_contact=item.get("contact_id")),
        anonymous_id=str(item["boucle_anonymous_id"]) if item.get("boucle_anonymous_id") else None,
        channel="crm",
        properties={
            "crm": PROVIDER,
            "deal_id": str(deal_id),
            "stage": stage,
            "pipeline": item.get("pipeline"),
            "deal_name": item.get("dealname"),
            "amount": str(value) if value is not None else None,
            "revenue": str(value) if value is not None and event == "Deal Won" else None,
            "currency": str(currency).upper() if currency else None,
        },
    )
