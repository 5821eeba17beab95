"""Erasure and access export through the whole pipeline, on the four services as processes.

Two customers, each with a device, a login, a hashed email; one of them also a HubSpot contact
whose deal was won. Both buy and both answer NPS with a detractor comment. The first is erased
through the collector's API by one identifier: afterwards no table of any schema holds any of
their identifiers, their person id, their deal or their comment (the erasure records
included), the other customer is untouched, and the attribution report and the feedback KPIs
read exactly as before. Their access export held everything before, and holds nothing after.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from segment.analytics import Client

from shared.identity import email_hash
from tests import infra, webhooks
from tests.e2e.conftest import Stack
from tests.e2e.test_closed_loop import connect
from tests.e2e.test_pipeline import get, poll
from tests.traces import traces

REPORTS = ("/v1/attribution?group_by=campaign", "/v1/attribution?group_by=channel")
KPIS = "/v1/feedback/kpis?grain=all&by=campaign"


# Erasures applied 1 s after they arrive; no refit meanwhile (its weights would move the
# fitted models' credits, erasure or not).
STACK_ENV = {
    "PRIVACY__ERASURE_DELAY_S": "1",
    "PRIVACY__ERASURE_PERIOD_S": "0.5",
    "ATTRIBUTION__FITTING__PERIOD_S": "3600",
}


@dataclass(frozen=True)
class Customer:
    anonymous_id: str
    user_id: str
    email: str
    campaign: str
    comment: str
    contact: str | None = None

    @classmethod
    def new(cls, name: str, *, contact: bool = False) -> Customer:
        run = uuid.uuid4().hex[:10]
        return cls(
            anonymous_id=str(uuid.uuid4()),
            user_id=f"{name}-{run}",
            email=f"{name}-{run}@example.com",
            campaign=f"spring-{run}",
            comment=f"order {run} came late and nobody answered",
            contact=f"77{run}" if contact else None,
        )

    @property
    def identifiers(self) -> list[str]:
        found = [self.anonymous_id, self.user_id, f"email:{email_hash(self.email)}"]
        return found + ([f"hubspot_contact:{self.contact}"] if self.contact else [])


def send(stack: Stack, customer: Customer) -> None:
    """A visit from an email campaign, a login with the email, an order, an NPS detractor."""
    landing = (
        f"https://shop.example/?utm_source=news&utm_medium=email&utm_campaign={customer.campaign}"
    )
    client = Client(write_key=stack.write_key, host=stack.urls["collector"], gzip=True)
    ids = {"anonymous_id": customer.anonymous_id, "user_id": customer.user_id}
    client.page(
        anonymous_id=customer.anonymous_id,
        properties={"url": landing},
        context={"page": {"url": landing, "referrer": "https://mail.google.com/"}},
    )
    client.identify(**ids, traits={"email": customer.email})
    client.track(**ids, event="Order Completed", properties={"revenue": 120, "currency": "USD"})
    client.track(**ids, event="NPS Submitted", properties={"score": 2, "comment": customer.comment})
    client.flush()
    client.join()


def send_deal(stack: Stack, customer: Customer) -> None:
    # The source's name is the operator's, not the customer's: nothing of theirs in it.
    source = f"hubspot-{uuid.uuid4().hex[:8]}"
    path = connect(stack, source, "crm", "hubspot", webhooks.HUBSPOT_SECRET)
    url = stack.urls["collector"] + path.strip()
    deal = {
        "hs_object_id": f"deal-{customer.user_id}",
        "dealstage": "closedwon",
        "amount": "5000",
        "deal_currency_code": "EUR",
        "contact_id": customer.contact,
        "email": customer.email,
    }
    signed = webhooks.hubspot_signed(json.dumps(deal).encode(), url)
    response = httpx.post(url, content=signed.body, headers=signed.headers, timeout=10)
    assert (response.status_code, response.json()["accepted"]) == (200, 1), response.text


def settled(stack: Stack, customer: Customer, *, conversions: int) -> str:
    """Waits until every service has the customer whole (the journey with its conversions and
    identities, their case on their person); returns their person id."""

    def whole(journey: Any) -> bool:
        return (
            bool(journey)
            and len(journey["conversions"]) == conversions
            and set(journey["identities"]) == set(customer.identifiers)
        )

    journey = poll(
        lambda: get(f"{stack.urls['sessionizer']}/v1/journeys/{customer.user_id}"),
        whole,
        what=f"the journey of {customer.user_id}",
    )
    person: str = journey["personId"]
    poll(
        lambda: get(f"{stack.urls['feedback']}/v1/cases?identifier={customer.user_id}"),
        lambda body: bool(body and body["cases"]) and body["cases"][0]["personId"] == person,
        what=f"the case of {customer.user_id}",
    )
    return person


def reads(stack: Stack) -> dict[str, Any]:
    """The reports and KPIs, once two reads a second apart agree (every batch applied)."""

    def read() -> dict[str, Any]:
        found = {path: get(stack.urls["attribution"] + path) for path in REPORTS}
        return {**found, KPIS: get(stack.urls["feedback"] + KPIS)}

    before = read()
    while True:
        time.sleep(1.0)
        again = read()
        if again == before:
            return again
        before = again


def cli(stack: Stack, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        **stack.env,
        "BOUCLE_TOKEN": stack.token,
        **{
            f"PRIVACY__{s.upper()}_URL": stack.urls[s]
            for s in ("sessionizer", "attribution", "feedback")
        },
    }
    return subprocess.run(
        [sys.executable, "-m", "shared.privacy", *argv],
        cwd=infra.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def export(stack: Stack, identifier: str, out: Path) -> dict[str, Any]:
    done = cli(stack, "export", identifier, "--out", str(out))
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def request_erasure(stack: Stack, identifier: str) -> str:
    url = f"{stack.urls['collector']}/v1/privacy/erasures"
    body = {"identifiers": [identifier]}
    assert httpx.post(url, json=body, auth=(stack.write_key, ""), timeout=5).status_code == 401
    as_bearer = {"Authorization": f"Bearer {stack.write_key}"}
    assert httpx.post(url, json=body, headers=as_bearer, timeout=5).status_code == 401
    reader = "reader-token-for-the-privacy-test"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "shared.tokens",
            "create",
            "--name",
            "reader",
            "--scopes",
            "read:reports",
            "--token",
            reader,
        ],
        cwd=infra.ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
    )
    refused = httpx.post(url, json=body, headers={"Authorization": f"Bearer {reader}"}, timeout=5)
    assert refused.status_code == 403
    response = httpx.post(
        url, json=body, headers={"Authorization": f"Bearer {stack.token}"}, timeout=10
    )
    assert response.status_code == 202, response.text
    request_id: str = response.json()["requestId"]
    return request_id


def test_an_erased_customer_leaves_no_trace_and_every_report_reads_the_same(
    stack: Stack, tmp_path: Path
) -> None:
    erased, kept = Customer.new("erased", contact=True), Customer.new("kept")
    send_deal(stack, erased)
    send(stack, erased)
    send(stack, kept)
    persons = {
        erased.user_id: settled(stack, erased, conversions=2),
        kept.user_id: settled(stack, kept, conversions=1),
    }
    database = stack.env["DATABASE__URL"]
    needles = [
        *erased.identifiers,
        erased.contact or "",
        erased.email,
        persons[erased.user_id],
        erased.comment,
        f"deal-{erased.user_id}",
    ]
    others = [*kept.identifiers, persons[kept.user_id], kept.comment]
    held = asyncio.run(traces(database, needles))
    # The scan sees the customer where the pipeline keeps them: it can find them.
    assert {
        "sessionizer.identities",
        "attribution.credits",
        "feedback.responses",
        "feedback.cases",
    } <= set(held), held
    before = reads(stack)
    exported = export(stack, erased.user_id, tmp_path / "before.json")
    [journey] = exported["sessionizer"]["persons"]
    assert {i["identifier"] for i in journey["identities"]} == set(erased.identifiers)
    assert len(journey["conversions"]) == 2
    assert journey["touchpoints"]
    [attributed] = exported["attribution"]["persons"]
    assert attributed["credits"]
    assert len(attributed["conversions"]) == 2
    assert [r["text"] for r in exported["feedback"]["responses"]] == [erased.comment]
    assert len(exported["feedback"]["cases"]) == 1

    started = time.monotonic()
    request_id = request_erasure(stack, erased.user_id)
    status = cli(stack, "status", request_id, "--wait", "90")
    assert status.returncode == 0, status.stdout + status.stderr
    print(f"erasure applied everywhere {time.monotonic() - started:.1f} s after the request")
    record = json.loads(status.stdout)
    assert record["sessionizer"]["rows"]["identities"] == 4
    assert record["attribution"]["rows"]["conversions"] == 2
    assert (record["feedback"]["rows"]["responses"], record["feedback"]["rows"]["cases"]) == (1, 1)

    assert asyncio.run(traces(database, needles)) == {}
    assert set(asyncio.run(traces(database, others))) >= {
        "sessionizer.identities",
        "feedback.cases",
    }
    assert reads(stack) == before
    after = export(stack, erased.user_id, tmp_path / "after.json")
    assert after["sessionizer"] == {"persons": []}
    assert after["attribution"] == {"persons": []}
    assert all(rows == [] for rows in after["feedback"].values())
    assert export(stack, kept.user_id, tmp_path / "kept.json")["feedback"]["responses"]
    links = asyncio.run(
        infra.read_topic(stack.topics.identities, expect=1, timeout_s=5, settle_s=1)
    )
    tombstones = {r.key.decode() for r in links if r.value is None}
    assert tombstones == set(erased.identifiers)
