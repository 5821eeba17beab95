"""The closed loop end to end, on the four services as processes: a customer acquired by an
email campaign buys, then answers NPS 2 → a case in the account team's queue with the priority
their revenue earns → acknowledged → resolved through the API → the close-the-loop event on
Kafka → the KPIs per acquisition campaign show the detractor and the case."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from segment.analytics import Client

from shared.events import CaseEventRecord
from tests import infra
from tests.e2e.conftest import Stack
from tests.e2e.test_pipeline import get, poll


def case_events(topic: str, case_id: str, *, expect: int = 1) -> list[CaseEventRecord]:
    records = asyncio.run(infra.read_topic(topic, expect=expect, timeout_s=5))
    events = [CaseEventRecord.model_validate_json(r.value) for r in records]
    return [e for e in events if e.case_id == case_id]


def command(stack: Stack, case: dict[str, Any], name: str, body: dict[str, Any]) -> Any:
    response = httpx.post(
        f"{stack.urls['feedback']}/v1/cases/{case['caseId']}/{name}",
        json=body,
        headers={"If-Match": f'"{case["version"]}"', "Authorization": f"Bearer {stack.token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def send_journey(stack: Stack, *, anonymous_id: str, user_id: str, campaign: str) -> None:
    """A visit from the email campaign, a login and an order worth 1500 USD."""
    landing = (
        f"https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign={campaign}"
    )
    client = Client(write_key=stack.write_key, host=stack.urls["collector"], gzip=True)
    client.page(
        anonymous_id=anonymous_id,
        name="Landing",
        properties={"url": landing},
        context={"page": {"url": landing, "referrer": "https://mail.google.com/"}},
    )
    client.identify(user_id=user_id, anonymous_id=anonymous_id)
    client.track(
        user_id=user_id,
        anonymous_id=anonymous_id,
        event="Order Completed",
        properties={"revenue": 1500, "currency": "USD", "order_id": f"o-{user_id}"},
    )
    client.flush()
    client.join()


def send_nps(stack: Stack, *, anonymous_id: str, user_id: str) -> None:
    client = Client(write_key=stack.write_key, host=stack.urls["collector"], gzip=True)
    client.track(
        user_id=user_id,
        anonymous_id=anonymous_id,
        event="NPS Submitted",
        properties={"score": 2, "comment": "never again"},
    )
    client.flush()
    client.join()


def test_an_email_campaign_detractor_is_followed_up_resolved_and_shown_in_the_kpis(
    stack: Stack,
) -> None:
    feedback = stack.urls["feedback"]
    anonymous_id, user_id = str(uuid.uuid4()), f"buyer-{uuid.uuid4().hex[:8]}"
    campaign = f"winback-{uuid.uuid4().hex[:6]}"
    send_journey(stack, anonymous_id=anonymous_id, user_id=user_id, campaign=campaign)
    # Feedback knows the person (the sessionizer's identity links), their revenue and first
    # touch (the journeys) before the answer arrives: the case is triaged on their value.
    person = poll(
        lambda: get(f"{feedback}/v1/people/{user_id}"),
        lambda p: (
            p is not None
            and p["value"] == "1500.0000"
            and (p["acquisition"] or {}).get("campaign") == campaign
        ),
        what="the person's revenue and acquisition in feedback",
        timeout_s=60,
    )
    assert (person["provisional"], person["acquisition"]["channel"]) == (False, "email")
    send_nps(stack, anonymous_id=anonymous_id, user_id=user_id)

    body = poll(
        lambda: get(f"{feedback}/v1/cases?identifier={user_id}"),
        lambda b: bool(b and b["cases"]),
        what="the case",
    )
    [case] = body["cases"]
    # NPS 2 from a customer worth 1500 USD (≥ 1000): high-value detractor, the account team
    assert (case["priority"], case["queue"], case["status"]) == (1, "sales", "open")
    assert case["personId"] == person["personId"]
    sales_topic = f"{stack.topics.followups.removesuffix('feedback.followups.v1')}"
    sales_topic += "feedback.followups.sales.v1"
    queued = poll(
        lambda: case_events(sales_topic, case["caseId"]),
        bool,
        what="the case in the sales queue's topic",
    )
    assert [e.kind for e in queued] == ["opened"]

    case = command(stack, case, "acknowledge", {"note": "called the customer", "by": "ann"})
    case = command(
        stack,
        case,
        "resolve",
        {"note": "refund and apology", "rootCause": "delivery", "recovered": None, "survey": True},
    )
    assert case["status"] == "resolved"
    loop = poll(
        lambda: [
            e
            for e in case_events(stack.topics.followups, case["caseId"], expect=4)
            if e.kind == "close_the_loop"
        ],
        bool,
        what="the close-the-loop event",
    )
    assert (loop[0].person_id, loop[0].detail["survey"], loop[0].detail["queue"]) == (
        person["personId"],
        True,
        "sales",
    )

    kpis = get(f"{feedback}/v1/feedback/kpis?grain=all&by=campaign")
    [row] = [r for r in kpis["rows"] if r["campaign"] == campaign]
    assert (row["responses"], row["nps"]) == (1, -100.0)
    assert (row["casesOpened"], row["casesContacted"], row["casesResolved"]) == (1, 1, 1)
    assert row["timeToFirstContactSeconds"] is not None
