"""An email click and a CRM deal for the same contact: one journey, the revenue attributed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import httpx

from shared.identity import email_hash
from tests import infra, webhooks
from tests.e2e.conftest import Stack
from tests.e2e.test_pipeline import get, metric, poll
from tests.webhooks import SendGridKeys


def connect(stack: Stack, name: str, kind: str, provider: str, secret: str) -> str:
    """Creates the source and its integration with the CLI; returns its webhook path."""

    def cli(*argv: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "services.collector", "sources", *argv],
            cwd=infra.ROOT,
            env=stack.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    cli("add", name, "--kind", kind)
    return cli("connect", name, "--provider", provider, "--secret", secret).rsplit(" at ", 1)[1]


def test_email_click_and_crm_deal_won_share_one_journey_with_attributed_revenue(
    stack: Stack,
) -> None:
    run = uuid.uuid4().hex[:8]
    address, contact, campaign = f"buyer-{run}@example.com", f"77{run}", f"spring-{run}"
    keys = SendGridKeys()
    sendgrid_path = connect(stack, f"sendgrid-{run}", "email", "sendgrid", keys.public).strip()
    hubspot_path = connect(
        stack, f"hubspot-{run}", "crm", "hubspot", webhooks.HUBSPOT_SECRET
    ).strip()
    collector = stack.urls["collector"]

    click = [
        {
            "email": address,
            "timestamp": int(time.time()) - 120,
            "event": "click",
            "sg_event_id": f"click-{run}",
            "sg_message_id": f"msg-{run}",
            "url": f"https://shop.example/?utm_source=newsletter&utm_medium=email"
            f"&utm_campaign={campaign}",
        }
    ]
    signed = keys.sign(json.dumps(click).encode())
    response = httpx.post(
        collector + sendgrid_path, content=signed.body, headers=signed.headers, timeout=10
    )
    assert (response.status_code, response.json()["accepted"]) == (200, 1), response.text

    deal = {
        "hs_object_id": f"deal-{run}",
        "dealstage": "closedwon",
        "amount": "5000",
        "deal_currency_code": "EUR",
        "contact_id": contact,
        "email": address.upper(),
    }
    signed = webhooks.hubspot_signed(json.dumps(deal).encode(), collector + hubspot_path)
    response = httpx.post(
        collector + hubspot_path, content=signed.body, headers=signed.headers, timeout=10
    )
    assert (response.status_code, response.json()["accepted"]) == (200, 1), response.text

    by_email = f"{stack.urls['sessionizer']}/v1/journeys/email:{email_hash(address)}"
    journey = poll(
        lambda: get(by_email),
        lambda j: j is not None and j["conversions"],
        what="the journey with the deal",
    )
    [touchpoint] = journey["touchpoints"]
    assert (touchpoint["channel"], touchpoint["campaign"]) == ("email", campaign)
    assert [(c["name"], c["revenue"], c["currency"]) for c in journey["conversions"]] == [
        ("Deal Won", "5000.0000", "EUR")
    ]
    assert f"hubspot_contact:{contact}" in journey["identities"]
    by_contact = get(f"{stack.urls['sessionizer']}/v1/journeys/hubspot_contact:{contact}")
    assert by_contact["personId"] == journey["personId"]

    url = (
        f"{stack.urls['attribution']}/v1/attribution"
        "?models=last_touch&group_by=campaign&currency=EUR&stage=won"
    )
    body = poll(
        lambda: get(url),
        lambda b: any(g["key"] == campaign for g in b["groups"]),
        what="the deal's credit",
    )
    [credited] = [g for g in body["groups"] if g["key"] == campaign]
    assert credited["models"]["last_touch"] == {
        "conversions": "1.000000",
        "revenue": "5000.0000",
        "cpa": None,
        "roas": None,
        "roi": None,
    }


def test_forged_webhook_is_refused_by_the_running_collector(stack: Stack) -> None:
    run = uuid.uuid4().hex[:8]
    path = connect(stack, f"hubspot-forged-{run}", "crm", "hubspot", "real-secret").strip()
    signed = webhooks.hubspot_signed(b"[]", stack.urls["collector"] + path, secret="guessed")
    response = httpx.post(
        stack.urls["collector"] + path, content=signed.body, headers=signed.headers, timeout=10
    )
    assert (response.status_code, response.json()["field"]) == (401, "forged")
    assert metric(stack.urls["collector"], "boucle_collector_webhooks_refused_total") >= 1
