"""Slow or stalled request bodies are answered 408 and counted, on every route that reads a
body; the deadlines are made tiny here, and the slow client is an async stream that sleeps."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.collector.app import Ingestor, create_app
from services.collector.imports import imports_router
from services.collector.integrations.router import integrations_router
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorOptions, LimitSettings
from tests import webhooks
from tests.unit.test_collector_api import TOPICS, ListSink
from tests.unit.test_edge_validation import OFFLINE_KEY, WEB_KEY, TwoSources
from tests.unit.test_webhook_api import BASE, DictIntegrations, SetReceipts

IDLE_S, TOTAL_S = 0.05, 0.3


class Collector:
    def __init__(self, http: httpx.AsyncClient, registry: CollectorRegistry) -> None:
        self.http = http
        self.registry = registry

    def timeouts(self, limit: str) -> float:
        sample = self.registry.get_sample_value(
            "boucle_collector_body_timeouts_total", {"limit": limit}
        )
        return sample or 0.0


@pytest.fixture
async def collector() -> AsyncIterator[Collector]:
    registry = CollectorRegistry()
    options = CollectorOptions(
        limits=LimitSettings(body_idle_timeout_s=IDLE_S, body_total_timeout_s=TOTAL_S),
        import_timeout_s=TOTAL_S,
    )
    ingestor = Ingestor(
        ListSink(), TwoSources(), options=options, topics=TOPICS, metrics=CollectorMetrics(registry)
    )
    routers = [
        integrations_router(
            ingestor, directory=DictIntegrations(), receipts=SetReceipts(), registry=registry
        ),
        imports_router(ingestor, receipts=SetReceipts()),
    ]
    app = create_app(ingestor, registry=registry, checks={}, routers=routers)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE, auth=(WEB_KEY, "")
    ) as http:
        yield Collector(http, registry)


async def stalled(first: bytes) -> AsyncIterator[bytes]:
    """Sends the start of a body, then nothing for far longer than the idle deadline."""
    yield first
    await asyncio.sleep(5)
    yield b"}"


async def trickle(first: bytes) -> AsyncIterator[bytes]:
    """Never idle for long, but never done: a byte every 10 ms."""
    yield first
    while True:
        await asyncio.sleep(0.01)
        yield b" "


@pytest.mark.parametrize("path", ["/v1/track", "/v1/batch"])
async def test_a_stalled_body_is_answered_408_and_counted(collector: Collector, path: str) -> None:
    response = await collector.http.post(path, content=stalled(b'{"userId": "u-1",'))
    assert response.status_code == 408
    body = response.json()
    assert body["error"] == "body_timeout"
    assert f"{IDLE_S:g} s" in body["message"]
    assert response.headers["connection"] == "close"
    assert collector.timeouts("idle") == 1


async def test_a_body_that_trickles_past_the_total_budget_is_answered_408(
    collector: Collector,
) -> None:
    response = await collector.http.post("/v1/track", content=trickle(b'{"userId": "u-1",'))
    assert response.status_code == 408
    assert f"within {TOTAL_S:g} s" in response.json()["message"]
    assert collector.timeouts("total") == 1


async def test_a_stalled_import_is_answered_408(collector: Collector) -> None:
    row = json.dumps({"type": "call", "timestamp": "2026-03-01T10:00:00Z", "email": "a@b.example"})
    response = await collector.http.post(
        "/v1/imports/offline", auth=(OFFLINE_KEY, ""), content=stalled(row.encode() + b"\n")
    )
    assert response.status_code == 408
    assert collector.timeouts("idle") == 1


async def test_a_stalled_webhook_is_answered_408(collector: Collector) -> None:
    signed = webhooks.pipedrive_request(webhooks.fixture("pipedrive/deal_won.json"))
    response = await collector.http.post(
        "/v1/hooks/pipedrive/pd",
        content=stalled(signed.body[:20]),
        headers=signed.headers,
        auth=httpx.Auth(),
    )
    assert response.status_code == 408
    assert collector.timeouts("idle") == 1


async def test_a_body_that_arrives_in_time_is_taken(collector: Collector) -> None:
    async def quick() -> AsyncIterator[bytes]:
        yield b'{"userId": "u-1",'
        await asyncio.sleep(IDLE_S / 5)
        yield b'"event": "Signed Up"}'

    response = await collector.http.post("/v1/track", content=quick())
    assert response.status_code == 200, response.text
    assert collector.timeouts("idle") == collector.timeouts("total") == 0
