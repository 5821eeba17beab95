"""A visitor's path through the whole pipeline, sent by the real Segment Python client."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from segment.analytics import Client

from tests import infra
from tests.e2e.conftest import TOKEN, Stack


def poll(
    fetch: Callable[[], Any], accept: Callable[[Any], bool], *, what: str, timeout_s: float = 45
) -> Any:
    deadline = time.monotonic() + timeout_s
    value = fetch()
    while not accept(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        time.sleep(0.3)
        value = fetch()
    return value


def get(url: str) -> Any:
    """A read API's answer, sent with the stack's token (every scope); None unless 200."""
    response = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    return response.json() if response.status_code == 200 else None


def metric(url: str, name: str) -> float:
    total = 0.0
    for line in httpx.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_campaign_visit_login_order_and_detractor_close_the_loop(stack: Stack) -> None:
    anonymous_id, user_id = str(uuid.uuid4()), f"user-{uuid.uuid4().hex[:8]}"
    campaign = f"spring-{uuid.uuid4().hex[:6]}"
    landing = (
        f"https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign={campaign}"
    )
    errors: list[Exception] = []
    client = Client(
        write_key=stack.write_key,
        host=stack.urls["collector"],
        gzip=True,
        on_error=lambda error, _: errors.append(error),
        max_retries=3,
    )
    client.page(
        anonymous_id=anonymous_id,
        name="Landing",
        properties={"url": landing},
        context={"page": {"url": landing, "referrer": "https://mail.google.com/"}},
    )
    client.identify(user_id=user_id, anonymous_id=anonymous_id, traits={"plan": "pro"})
    client.track(
        user_id=user_id,
        anonymous_id=anonymous_id,
        event="Order Completed",
        properties={"revenue": 100, "currency": "USD", "order_id": "o-1"},
    )
    client.track(
        user_id=user_id,
        anonymous_id=anonymous_id,
        event="NPS Submitted",
        properties={"score": 3, "comment": "delivery was late"},
    )
    client.flush()
    client.join()
    assert errors == []

    journey = poll(
        lambda: get(f"{stack.urls['sessionizer']}/v1/journeys/{user_id}"),
        lambda j: j is not None and j["conversions"],
        what="the journey",
    )
    [touchpoint] = journey["touchpoints"]
    assert (touchpoint["campaign"], touchpoint["channel"]) == (campaign, "email")
    assert [(c["name"], c["revenue"]) for c in journey["conversions"]] == [
        ("Order Completed", "100.0000")
    ]
    assert set(journey["identities"]) == {anonymous_id, user_id}

    def campaign_credit(body: Any) -> list[Any]:
        return [g for g in (body or {}).get("groups", []) if g["key"] == campaign]

    url = f"{stack.urls['attribution']}/v1/attribution?models=last_touch&group_by=campaign"
    body = poll(lambda: get(url), lambda b: bool(campaign_credit(b)), what="the credit")
    [credited] = campaign_credit(body)
    assert (body["currency"], credited["models"]["last_touch"]["conversions"]) == (
        "USD",
        "1.000000",
    )
    assert credited["models"]["last_touch"]["revenue"] == "100.0000"

    cases = poll(
        lambda: get(f"{stack.urls['feedback']}/v1/cases?status=open&identifier={user_id}"),
        lambda b: bool(b and b["cases"]),
        what="the case",
    )
    [case] = cases["cases"]
    # a detractor worth 100 USD: the detractor rule (P2); the comment's theme routes it
    assert (case["priority"], case["queue"]) == (2, "delivery")
    assert case["summary"] == "NPS 3: delivery was late"

    assert metric(stack.urls["collector"], "boucle_collector_events_accepted_total") >= 4
    assert metric(stack.urls["sessionizer"], "boucle_sessionizer_records_processed_total") >= 4
    assert metric(stack.urls["attribution"], "boucle_attribution_records_emitted_total") >= 1


def test_a_bad_event_in_a_batch_is_dead_lettered_and_the_rest_flows(stack: Stack) -> None:
    anonymous_id = str(uuid.uuid4())
    response = httpx.post(
        f"{stack.urls['collector']}/v1/batch",
        auth=(stack.write_key, ""),
        json={
            "batch": [
                {"type": "page", "anonymousId": anonymous_id, "name": "Home"},
                {"type": "track", "anonymousId": anonymous_id},
            ]
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["accepted"] == 1
    assert [r["index"] for r in response.json()["rejected"]] == [1]

    dead = asyncio.run(infra.read_topic(stack.topics.dead_letter, expect=1))
    mine = [r for r in dead if json.loads(r.value).get("anonymousId") == anonymous_id]
    assert len(mine) == 1
    assert b"event name" in dict(mine[0].headers)["reason"]
    poll(
        lambda: get(f"{stack.urls['sessionizer']}/v1/journeys/{anonymous_id}"),
        lambda j: j is not None and len(j["touchpoints"]) == 1,
        what="the page view's journey",
    )


def test_every_service_reports_ready_and_serves_metrics(stack: Stack) -> None:
    for service, url in stack.urls.items():
        assert httpx.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
        ready = httpx.get(f"{url}/readyz", timeout=5).json()
        # The collector acknowledges durably while Kafka is connected or its spool has room;
        # a consumer is ready while it consumes (the dead-letter limit can halt it).
        checks = (
            {"delivery": True, "postgres": True}
            if service == "collector"
            else {"kafka": True, "postgres": True, "consumer": True}
        )
        assert ready == {"status": "ready", "checks": checks}
        assert "# TYPE" in httpx.get(f"{url}/metrics", timeout=5).text


def test_the_read_apis_refuse_a_request_without_a_token_or_with_the_write_key(
    stack: Stack,
) -> None:
    reads = {
        "sessionizer": "/v1/journeys/anyone",
        "attribution": "/v1/attribution",
        "feedback": "/v1/cases",
    }
    for service, path in reads.items():
        url = stack.urls[service] + path
        assert httpx.get(url, timeout=5).status_code == 401
        as_bearer = {"Authorization": f"Bearer {stack.write_key}"}
        assert httpx.get(url, headers=as_bearer, timeout=5).status_code == 401
        with_token = {"Authorization": f"Bearer {stack.token}"}
        allowed = httpx.get(url, headers=with_token, timeout=5).status_code
        assert allowed == (404 if service == "sessionizer" else 200)  # nobody's journey: 404


def test_wrong_write_key_is_refused_by_the_running_collector(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.urls['collector']}/v1/track",
        auth=("nope", ""),
        json={"anonymousId": "a", "event": "x"},
        timeout=5,
    )
    assert response.status_code == 401
