"""Salesforce Outbound Messages: SOAP notifications from workflow rules and flows. Pure.

Outbound Messages are what Salesforce itself sends to a URL when a record changes (Platform
Events and Change Data Capture are pulled over its APIs instead). A message is a SOAP envelope
with the sending ``OrganizationId`` and up to 100 ``Notification``s, each with its own ``Id``
and the selected fields of one record. Salesforce cannot sign them nor add headers; it retries
until the listener answers a SOAP ``Ack`` (for up to 24 hours) and may deliver one notification
twice. So Boucle checks two things: a per-source token in the endpoint URL (``?token=``, compared
in constant time) and that ``OrganizationId`` is the configured org. Put mutual TLS with
Salesforce's client certificate in front of the collector where you can. The source secret is
``<18-character org id>:<token>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from services.collector.integrations.common import (
    EventSpec,
    Parsed,
    Refused,
    WebhookRequest,
    amount,
    collect,
    from_iso,
    identities,
    message_id,
    same,
)
from shared.errors import BadInput

PROVIDER = "salesforce"
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b'<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    b"<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)
# Opportunity has no email field; a formula field copying the primary contact's email, under
# this name, lets the deal join the person's email journey.
CONTACT_EMAIL_FIELD = "Contact_Email__c"


def notifications(body: bytes) -> ElementTree.Element:
    """The ``notifications`` element. DTDs are refused: SOAP forbids them, and they are how
    entity-expansion attacks on XML parsers start."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise BadInput("SOAP messages must not contain a DTD")
    try:
        # Safe without defusedxml: with no DTD there is no entity to expand or fetch.
        root = ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise BadInput(f"body is not well-formed XML: {exc}", code="invalid_xml") from exc
    found = root.find(f"{SOAP}Body/{OUTBOUND}notifications")
    if found is None:
        raise BadInput("not a Salesforce outbound message: no soap Body/notifications")
    return found


def verify(request: WebhookRequest, secret: str, *, now: datetime) -> str | None:
    organization, _, token = secret.partition(":")
    if not same(token, request.query.get("token", "")):
        raise Refused("forged", "the endpoint URL's token does not match this Salesforce source")
    sent_by = notifications(request.body).findtext(f"{OUTBOUND}OrganizationId", "")
    if not same(organization, sent_by.strip()):
        raise Refused("forged", "OrganizationId is not the Salesforce org of this source")
    return None  # unsigned: a repeated notification Id is absorbed by its messageId


def parse(request: WebhookRequest, *, source_id: str, received_at: datetime) -> Parsed:
    items = [
        _fields(notification, received_at)
        for notification in notifications(request.body).iterfind(f"{OUTBOUND}Notification")
    ]
    return collect(items, _event, source_id=source_id, received_at=received_at)


def _fields(notification: ElementTree.Element, received_at: datetime) -> dict[str, Any]:
    record = notification.find(f"{OUTBOUND}sObject")
    fields: dict[str, Any] = {
        "notification_id": notification.findtext(f"{OUTBOUND}Id"),
        "received_at": received_at.isoformat(),
    }
    if record is not None:
        fields["type"] = record.get(XSI_TYPE, "").rpartition(":")[2]
        for child in record:
            fields[child.tag.rpartition("}")[2]] = (child.text or "").strip()
    return fields


def _event(fields: dict[str, Any]) -> EventSpec | None:
    if fields.get("type") == "Lead":
        return _lead(fields)
    if fields.get("type") == "Opportunity":
        return _opportunity(fields)
    return None


def _occurred(fields: dict[str, Any]) -> datetime:
    return (
        from_iso(fields.get("LastModifiedDate"))
        or from_iso(fields.get("CreatedDate"))
        or datetime.fromisoformat(fields["received_at"])
    )


def _lead(fields: dict[str, Any]) -> EventSpec:
    lead_id = fields.get("Id")
    if not lead_id:
        raise BadInput("a Lead notification needs the Id field")
    return EventSpec(
        event="Lead Created",
        message_id=message_id(PROVIDER, "lead", lead_id, "Lead Created"),
        occurred_at=from_iso(fields.get("CreatedDate")) or _occurred(fields),
        identities=identities(fields.get("Email"), salesforce_lead=lead_id),
        channel="crm",
        properties={
            "crm": PROVIDER,
            "lead_id": lead_id,
            "lead_source": fields.get("LeadSource"),
            "status": fields.get("Status"),
        },
    )


def lifecycle_of(fields: dict[str, Any]) -> str:
    if fields.get("IsWon") == "true":
        return "Deal Won"
    return "Deal Lost" if fields.get("IsClosed") == "true" else "Opportunity Created"


def _opportunity(fields: dict[str, Any]) -> EventSpec:
    opportunity_id = fields.get("Id")
    if not opportunity_id:
        raise BadInput("an Opportunity notification needs the Id field")
    event = lifecycle_of(fields)
    value = amount(fields.get("Amount"), field="Amount")
    currency = fields.get("CurrencyIsoCode")
    return EventSpec(
        event=event,
        message_id=message_id(PROVIDER, "opportunity", opportunity_id, event),
        occurred_at=_occurred(fields),
        identities=identities(
            fields.get(CONTACT_EMAIL_FIELD), salesforce_contact=fields.get("ContactId")
        ),
        channel="crm",
        properties={
            "crm": PROVIDER,
            "deal_id": opportunity_id,
            "stage": fields.get("StageName"),
            "deal_name": fields.get("Name"),
            "amount": str(value) if value is not None else None,
            "revenue": str(value) if value is not None and event == "Deal Won" else None,
            "currency": currency.upper() if currency else None,
            "salesforce_notification_id": fields.get("notification_id"),
        },
    )
