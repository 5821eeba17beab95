"""`make demo`'s stream: a shop's mix that the collector takes, except the buggy sender's events
it carries on purpose, which the collector refuses for the reasons the summary then shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from bench.demo.__main__ import Tally, import_rate, report
from bench.demo.stream import COMMENTS, demo_stream
from services.collector.app import Ingestor, create_app
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorOptions
from tests.unit.test_collector_api import KEY, TOPICS, DictSources, ListSink

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    registry = CollectorRegistry()
    ingestor = Ingestor(
        ListSink(),
        DictSources(),
        options=CollectorOptions(),
        topics=TOPICS,
        metrics=CollectorMetrics(registry),
    )
    app = create_app(ingestor, registry=registry, checks={})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://c", auth=(KEY, "")) as http:
        yield http


def kinds(stream: list[dict[str, Any]]) -> Counter[str]:
    return Counter(message.get("event") or message["type"] for message in stream)


def test_the_same_seed_gives_the_same_stream_and_another_seed_another() -> None:
    assert demo_stream(30, seed=1, now=NOW) == demo_stream(30, seed=1, now=NOW)
    assert demo_stream(30, seed=1, now=NOW) != demo_stream(30, seed=2, now=NOW)


def test_the_stream_mixes_campaigns_ads_orders_and_feedback_in_two_languages() -> None:
    stream = demo_stream(150, seed=3, now=NOW, broken=10)
    assert {
        "page",
        "identify",
        "Ad Impression",
        "Ad Clicked",
        "Order Completed",
        "NPS Submitted",
        "CSAT Submitted",
    } <= set(kinds(stream))
    nps = [m["properties"] for m in stream if m.get("event") == "NPS Submitted"]
    detractors = [p for p in nps if p["score"] <= 6]
    assert {p["language"] for p in detractors} == {"fr", "en"}
    assert {(p["language"], p["comment"]) for p in detractors} <= set(COMMENTS["detractor"])
    assert all(m["timestamp"] < NOW.isoformat() for m in stream)


async def test_the_collector_takes_the_stream_but_its_broken_events(
    client: httpx.AsyncClient,
) -> None:
    stream = demo_stream(60, seed=5, now=NOW, broken=9)
    tally = Tally()
    for start in range(0, len(stream), 50):
        batch = stream[start : start + 50]
        response = await client.post("/v1/batch", json={"batch": batch})
        assert response.status_code == 200
        tally.add(batch, response.json())
    broken = sum(
        m.get("properties", {}).get("score") == 11
        or m.get("properties", {}).get("currency") == "euros"
        for m in stream
    )
    assert broken == 9
    assert (tally.sent, tally.accepted) == (len(stream), len(stream) - broken)
    assert sum(tally.rejected.values()) == broken
    assert {reason.split(" ")[0] for reason in tally.rejected} <= {
        "properties.score",
        "properties.currency",
    }
    assert f"{tally.accepted} accepted, {broken} refused" in report(tally, seconds=1.0)


def test_the_demo_imports_a_eur_rate_for_the_reports_in_usd_with_its_token() -> None:
    asked: list[httpx.Request] = []

    def attribution(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json={"rows": 1, "accepted": 1})

    transport = httpx.MockTransport(attribution)
    with httpx.Client(transport=transport, base_url="http://attribution") as client:
        said = import_rate(client, "demo-admin-token", today=date(2026, 3, 2))
    [request] = asked
    assert request.url.path == "/v1/attribution/rates"
    assert request.headers["authorization"] == "Bearer demo-admin-token"
    assert request.content == b"date,currency,rate\n2026-03-01,USD,1.08\n"
    assert "1 EUR = 1.08 USD from 2026-03-01" in said
