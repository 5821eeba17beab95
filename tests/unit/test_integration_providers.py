"""Provider signatures and payload mappings, on the fixtures written from their documentation."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.collector.integrations import (
    generic,
    hubspot,
    mailgun,
    pipedrive,
    salesforce,
    sendgrid,
)
from services.collector.integrations.common import Refused, WebhookRequest
from services.collector.integrations.providers import stored_secret
from shared.identity import email_hash
from tests import webhooks
from tests.webhooks import SendGridKeys, Signed

NOW = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
URL = "https://collector.example/v1/hooks/hubspot/src-1"
RECEIVED = NOW


def request(signed: Signed, url: str = URL) -> WebhookRequest:
    query = dict(part.split("=", 1) for part in signed.query.lstrip("?").split("&") if part)
    return WebhookRequest(
        method="POST",
        url=url + signed.query,
        headers={k.lower(): v for k, v in signed.headers.items()},
        body=signed.body,
        query=query,
    )


def at(moment: datetime) -> int:
    return int(moment.timestamp())


# HubSpot ----------------------------------------------------------------------------------


def test_hubspot_v3_signature_over_method_url_body_and_timestamp_is_accepted() -> None:
    body = webhooks.fixture("hubspot/workflow_deal_won.json")
    signed = webhooks.hubspot_signed(body, URL, timestamp_ms=at(NOW) * 1000)
    replay_key = hubspot.verify(request(signed), webhooks.HUBSPOT_SECRET, now=NOW)
    assert replay_key == f"hubspot:{signed.headers['X-HubSpot-Signature-v3']}"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("secret", "forged"),
        ("body", "forged"),
        ("url", "forged"),
        ("stale", "stale"),
        ("missing", "unauthenticated"),
    ],
)
def test_hubspot_refuses_forged_stale_and_unsigned_requests(change: str, reason: str) -> None:
    body = webhooks.fixture("hubspot/workflow_deal_won.json")
    stamp = at(NOW - timedelta(minutes=6) if change == "stale" else NOW) * 1000
    secret = "wrong" if change == "secret" else webhooks.HUBSPOT_SECRET
    signed = webhooks.hubspot_signed(body, URL, secret=secret, timestamp_ms=stamp)
    if change == "body":
        signed = Signed(body.replace(b"12500.50", b"99999.00"), signed.headers)
    if change == "missing":
        signed = Signed(body, {})
    with pytest.raises(Refused) as refused:
        hubspot.verify(
            request(signed, URL + "x" if change == "url" else URL), webhooks.HUBSPOT_SECRET, now=NOW
        )
    assert refused.value.reason == reason


def test_hubspot_workflow_deal_won_is_a_conversion_of_the_hashed_email_and_contact() -> None:
    signed = webhooks.hubspot_signed(
        webhooks.fixture("hubspot/workflow_deal_won.json"), URL, timestamp_ms=at(NOW) * 1000
    )
    [event] = hubspot.parse(request(signed), source_id="src-1", received_at=RECEIVED).events
    assert (event.type, event.event, event.channel) == ("track", "Deal Won", "crm")
    assert event.identities == {
        "email": email_hash("alice.martin@example.com"),
        "hubspot_contact": "1246965",
    }
    assert (event.properties["revenue"], event.properties["currency"]) == ("12500.50", "EUR")
    assert "alice" not in event.to_bytes().decode().lower()  # never the raw address
    assert event.timestamp == NOW


def test_hubspot_same_deal_stage_twice_has_one_message_id_and_stages_map_to_lifecycle() -> None:
    body = webhooks.fixture_json("hubspot/workflow_deal_won.json")
    first = hubspot.parse(
        request(Signed(json.dumps(body).encode(), {})), source_id="s", received_at=RECEIVED
    ).events[0]
    again = hubspot.parse(
        request(Signed(json.dumps({**body, "amount": "1"}).encode(), {})),
        source_id="s",
        received_at=RECEIVED,
    ).events[0]
    assert first.message_id == again.message_id
    assert [hubspot.lifecycle_of(s) for s in ("closedwon", "closedlost", "qualifiedtobuy")] == [
        "Deal Won",
        "Deal Lost",
        "Opportunity Created",
    ]


def test_hubspot_webhooks_api_contact_creation_is_a_lead_and_deal_events_are_ignored() -> None:
    signed = Signed(webhooks.fixture("hubspot/webhooks_api_events.json"), {})
    parsed = hubspot.parse(request(signed), source_id="s", received_at=RECEIVED)
    assert [(e.event, e.identities) for e in parsed.events] == [
        ("Lead Created", {"hubspot_contact": "1246965"})
    ]
    assert parsed.ignored == 1


# SendGrid ---------------------------------------------------------------------------------


def test_sendgrid_ecdsa_signature_is_verified_with_the_public_key() -> None:
    keys = SendGridKeys()
    signed = keys.sign(webhooks.fixture("sendgrid/events.json"), timestamp=at(NOW))
    assert sendgrid.verify(request(signed), keys.public, now=NOW).startswith("sendgrid:")
    tampered = Signed(signed.body.replace(b"grumpy", b"happy"), signed.headers)
    with pytest.raises(Refused, match="does not match"):
        sendgrid.verify(request(tampered), keys.public, now=NOW)
    with pytest.raises(Refused, match="does not match"):
        sendgrid.verify(request(signed), SendGridKeys().public, now=NOW)
    old = keys.sign(signed.body, timestamp=at(NOW - timedelta(minutes=11)))
    with pytest.raises(Refused) as stale:
        sendgrid.verify(request(old), keys.public, now=NOW)
    assert stale.value.reason == "stale"


def test_sendgrid_events_map_to_segment_email_events_with_click_utms() -> None:
    parsed = sendgrid.parse(
        request(Signed(webhooks.fixture("sendgrid/events.json"), {})),
        source_id="s",
        received_at=RECEIVED,
    )
    assert [e.event for e in parsed.events] == [
        "Email Delivered",
        "Email Opened",
        "Email Link Clicked",
        "Email Bounced",
        "Email Marked as Spam",
        "Unsubscribed",
    ]
    assert parsed.ignored == 1  # "processed"
    assert [r.reason for r in parsed.rejected] == [
        "Email Delivered: no email, contact id or anonymous id identifies anyone"
    ]
    click = parsed.events[2]
    assert click.channel == "email"
    assert (
        click.campaign.name,
        click.campaign.source,
        click.campaign.medium,
        click.campaign.content,
    ) == ("spring-sale", "newsletter", "email", "hero")
    assert click.identities == {"email": email_hash("alice.martin@example.com")}
    assert click.timestamp == datetime.fromtimestamp(1772355360, tz=UTC)
    assert len({e.message_id for e in parsed.events}) == 6


# Mailgun ----------------------------------------------------------------------------------


def test_mailgun_hmac_of_timestamp_and_token_is_verified_and_the_token_is_the_replay_key() -> None:
    signed = webhooks.mailgun_signed("mailgun/clicked.json", timestamp=at(NOW), token="t" * 50)
    assert mailgun.verify(request(signed), webhooks.MAILGUN_KEY, now=NOW) == f"mailgun:{'t' * 50}"
    with pytest.raises(Refused, match="does not match"):
        mailgun.verify(request(signed), "another-key", now=NOW)
    stale = webhooks.mailgun_signed("mailgun/clicked.json", timestamp=at(NOW) - 3600)
    with pytest.raises(Refused, match="outside the accepted window"):
        mailgun.verify(request(stale), webhooks.MAILGUN_KEY, now=NOW)


def test_mailgun_click_and_complaint_become_email_events() -> None:
    click = mailgun.parse(
        request(webhooks.mailgun_signed("mailgun/clicked.json")),
        source_id="s",
        received_at=RECEIVED,
    ).events[0]
    spam = mailgun.parse(
        request(webhooks.mailgun_signed("mailgun/complained.json")),
        source_id="s",
        received_at=RECEIVED,
    ).events[0]
    assert (click.event, click.campaign.name, click.channel) == (
        "Email Link Clicked",
        "spring-sale",
        "email",
    )
    assert (spam.event, spam.identities) == (
        "Email Marked as Spam",
        {"email": email_hash("grumpy@example.com")},
    )


# Pipedrive --------------------------------------------------------------------------------


def test_pipedrive_basic_credentials_are_compared_with_the_stored_hash() -> None:
    secret = stored_secret("pipedrive", f"{webhooks.PIPEDRIVE_USER}:{webhooks.PIPEDRIVE_PASSWORD}")
    assert webhooks.PIPEDRIVE_PASSWORD not in secret
    body = webhooks.fixture("pipedrive/deal_won.json")
    assert pipedrive.verify(request(webhooks.pipedrive_request(body)), secret, now=NOW) is None
    with pytest.raises(Refused) as forged:
        pipedrive.verify(
            request(webhooks.pipedrive_request(body, password="guess")), secret, now=NOW
        )
    assert forged.value.reason == "forged"
    with pytest.raises(Refused) as missing:
        pipedrive.verify(request(Signed(body, {})), secret, now=NOW)
    assert missing.value.reason == "unauthenticated"


def test_pipedrive_person_links_email_to_person_id_and_won_deal_carries_the_value() -> None:
    person = pipedrive.parse(
        request(Signed(webhooks.fixture("pipedrive/person_created.json"), {})),
        source_id="s",
        received_at=RECEIVED,
    ).events[0]
    deal = pipedrive.parse(
        request(Signed(webhooks.fixture("pipedrive/deal_won.json"), {})),
        source_id="s",
        received_at=RECEIVED,
    ).events[0]
    assert person.identities == {"email": email_hash("dana@example.com"), "pipedrive_person": "301"}
    assert (deal.event, deal.identities) == ("Deal Won", {"pipedrive_person": "301"})
    assert (deal.properties["revenue"], deal.properties["currency"]) == ("9900", "EUR")
    assert deal.timestamp == datetime(2026, 3, 1, 15, 42, 10, tzinfo=UTC)


def test_pipedrive_edit_of_an_open_deal_is_ignored() -> None:
    body = webhooks.fixture_json("pipedrive/deal_won.json")
    body["data"]["status"] = "open"
    parsed = pipedrive.parse(
        request(Signed(json.dumps(body).encode(), {})), source_id="s", received_at=RECEIVED
    )
    assert (parsed.events, parsed.ignored) == ([], 1)


# Salesforce -------------------------------------------------------------------------------


def test_salesforce_outbound_message_needs_the_url_token_and_the_configured_org() -> None:
    body = webhooks.fixture("salesforce/opportunity_won.xml")
    secret = f"{webhooks.SALESFORCE_ORG}:{webhooks.SALESFORCE_TOKEN}"
    assert salesforce.verify(request(webhooks.salesforce_request(body)), secret, now=NOW) is None
    with pytest.raises(Refused, match="token"):
        salesforce.verify(request(webhooks.salesforce_request(body, token="nope")), secret, now=NOW)
    other_org = f"00D000000000001AAA:{webhooks.SALESFORCE_TOKEN}"
    with pytest.raises(Refused, match="OrganizationId"):
        salesforce.verify(request(webhooks.salesforce_request(body)), other_org, now=NOW)


def test_salesforce_won_opportunity_and_lead_map_to_lifecycle_events() -> None:
    parsed = salesforce.parse(
        request(Signed(webhooks.fixture("salesforce/opportunity_won.xml"), {})),
        source_id="s",
        received_at=RECEIVED,
    )
    won, lead = parsed.events
    assert (won.event, won.properties["revenue"], won.properties["currency"]) == (
        "Deal Won",
        "48000.0",
        "USD",
    )
    assert won.identities == {
        "email": email_hash("bob@example.org"),
        "salesforce_contact": "0035g00000AbCdEAA1",
    }
    assert (lead.event, lead.identities["salesforce_lead"]) == (
        "Lead Created",
        "00Q5g00000LmNoPEA3",
    )


def test_salesforce_refuses_xml_with_a_dtd() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(Exception, match="DTD"):
        salesforce.parse(request(Signed(bomb, {})), source_id="s", received_at=RECEIVED)


# Generic ----------------------------------------------------------------------------------


def test_generic_signed_deal_won_names_the_crm_contact_kind() -> None:
    body = webhooks.fixture("generic/deal_won.json")
    signed = webhooks.generic_signed(body, timestamp=at(NOW))
    assert generic.verify(request(signed), webhooks.GENERIC_SECRET, now=NOW).startswith("generic")
    [event] = generic.parse(request(signed), source_id="s", received_at=RECEIVED).events
    assert event.identities == {"email": email_hash("erin@example.com"), "zoho_contact": "C-991"}
    assert (
        event.properties["revenue"],
        event.properties["currency"],
        event.properties["pipeline"],
    ) == ("2500", "GBP", "smb")
    with pytest.raises(Refused):
        generic.verify(
            request(webhooks.generic_signed(body, secret="x", timestamp=at(NOW))),
            webhooks.GENERIC_SECRET,
            now=NOW,
        )


def test_secrets_are_checked_when_configured() -> None:
    with pytest.raises(ValueError, match="user:password"):
        stored_secret("pipedrive", "only-a-user")
    with pytest.raises(ValueError, match="base64 DER"):
        stored_secret("sendgrid", base64.b64encode(b"not a key").decode())
    with pytest.raises(ValueError, match="org id"):
        stored_secret("salesforce", "short:token")
    assert Decimal(stored_secret("hubspot", "42")) == 42
