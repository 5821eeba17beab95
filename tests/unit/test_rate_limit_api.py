"""429s of the collector's rate limits, and the device read from browsers' user agents, over HTTP
with a list standing in for Kafka and a clock the tests move by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from services.collector.app import Ingestor, create_app
from services.collector.metrics import CollectorMetrics
from services.collector.settings import (
    CollectorOptions,
    CollectorSettings,
    LimitSettings,
    RateLimitSettings,
)
from shared.events import TrackingEvent
from tests.unit.test_collector_api import KEY, TOPICS, DictSources, ListSink

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Collector:
    def __init__(self, http: httpx.AsyncClient, sink: ListSink, registry: CollectorRegistry):
        self.http = http
        self.sink = sink
        self.registry = registry

    def rejected(self, reason: str = "rate_limited") -> float:
        value = self.registry.get_sample_value(
            "boucle_collector_events_rejected_total", {"reason": reason}
        )
        return value or 0.0

    def published(self) -> list[TrackingEvent]:
        return [TrackingEvent.model_validate_json(r.value) for r in self.sink.on(TOPICS.raw_events)]


@asynccontextmanager
async def collector(
    rates: RateLimitSettings, clock: FakeClock, *, trusted: list[str] | None = None
) -> AsyncIterator[Collector]:
    options = CollectorOptions(
        limits=LimitSettings(max_batch_events=10),
        rate_limits=rates,
        trusted_proxies=trusted or [],
    )
    registry, sink = CollectorRegistry(), ListSink()
    ingestor = Ingestor(
        sink,
        DictSources(),
        options=options,
        topics=TOPICS,
        metrics=CollectorMetrics(registry),
        clock=clock,
    )

    async def always() -> bool:
        return True

    app = create_app(ingestor, registry=registry, checks={"kafka": always})
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://collector", auth=(KEY, "")
    ) as http:
        yield Collector(http, sink, registry)


def _batch(n: int, prefix: str = "m") -> dict[str, object]:
    return {
        "batch": [
            {"type": "track", "event": "x", "anonymousId": "a", "messageId": f"{prefix}{i}"}
            for i in range(n)
        ]
    }


SOURCE_ONLY = RateLimitSettings(source_events_per_s=10, source_events_burst=15, ip_requests_per_s=0)
ADDRESS_ONLY = RateLimitSettings(source_events_per_s=0, ip_requests_per_s=1, ip_requests_burst=2)


async def test_a_batch_over_the_source_limit_is_429_with_retry_after_and_nothing_published() -> (
    None
):
    clock = FakeClock()
    async with collector(SOURCE_ONLY, clock) as c:
        assert (await c.http.post("/v1/batch", json=_batch(10))).status_code == 200
        refused = await c.http.post("/v1/batch", json=_batch(10, prefix="n"))
        assert refused.status_code == 429
        # 5 tokens left, 10 wanted, 10 tokens/s: 0.5 s, rounded up.
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["x-ratelimit-reset"] == "1"
        body = refused.json()
        assert (body["success"], body["error"]) == (False, "rate_limited")
        assert "10 events/s (burst 15)" in body["message"]
        assert "retry in 1 s" in body["message"]
        assert [e.message_id for e in c.published()] == [f"m{i}" for i in range(10)]
        assert c.rejected() == 10  # counted in events
        clock.now += 0.5
        assert (await c.http.post("/v1/batch", json=_batch(10, prefix="n"))).status_code == 200
        assert len(c.published()) == 20


async def test_single_calls_cost_one_event_each() -> None:
    clock = FakeClock()
    async with collector(SOURCE_ONLY, clock) as c:
        statuses = [
            (await c.http.post("/v1/track", json={"anonymousId": "a", "event": "x"})).status_code
            for _ in range(16)
        ]
        assert statuses == [200] * 15 + [429]


async def test_the_address_limit_answers_before_the_body_is_parsed() -> None:
    clock = FakeClock()
    async with collector(ADDRESS_ONLY, clock) as c:
        for _ in range(2):
            assert (await c.http.post("/v1/track", content=b"{not json")).status_code == 400
        refused = await c.http.post("/v1/track", content=b"{not json")
        assert refused.status_code == 429  # not 400: the body was never read
        assert refused.headers["retry-after"] == "1"
        assert "1 requests/s (burst 2) from your address" in refused.json()["message"]
        unknown_key = await c.http.post("/v1/batch", auth=("nope", ""), json=_batch(1))
        assert unknown_key.status_code == 429  # before authentication too
        assert c.rejected() == 2
        assert c.published() == []


async def test_x_forwarded_for_is_ignored_by_default() -> None:
    clock = FakeClock()
    async with collector(ADDRESS_ONLY, clock) as c:
        for client in ("203.0.113.1", "203.0.113.2"):
            ok = await c.http.post(
                "/v1/track",
                json={"anonymousId": "a", "event": "x"},
                headers={"x-forwarded-for": client},
            )
            assert ok.status_code == 200
        third = await c.http.post(
            "/v1/track",
            json={"anonymousId": "a", "event": "x"},
            headers={"x-forwarded-for": "203.0.113.3"},
        )
        assert third.status_code == 429  # all three are the peer 198.51.100.7
        assert {e.context.get("ip") for e in c.published()} == {"198.51.100.0"}


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() -> None:
    clock = FakeClock()
    async with collector(ADDRESS_ONLY, clock, trusted=["198.51.100.0/24"]) as c:

        async def post(client: str) -> int:
            response = await c.http.post(
                "/v1/track",
                json={"anonymousId": "a", "event": "x"},
                headers={"x-forwarded-for": f"6.6.6.6, {client}"},
            )
            return response.status_code

        assert [await post("203.0.113.1") for _ in range(3)] == [200, 200, 429]
        assert await post("203.0.113.2") == 200
        # The event keeps the client's (anonymised) address, not the proxy's.
        assert {e.context["ip"] for e in c.published()} == {"203.0.113.0"}


async def test_the_pixel_over_a_limit_still_answers_its_gif_and_counts_the_refusal() -> None:
    clock = FakeClock()
    async with collector(ADDRESS_ONLY, clock) as c:
        params = {"k": KEY, "event": "Email Opened", "userId": "u1"}
        responses = [
            await c.http.get("/v1/pixel.gif", auth=httpx.Auth(), params=params) for _ in range(3)
        ]
        assert [(r.status_code, r.content[:6]) for r in responses] == [(200, b"GIF89a")] * 3
        assert len(c.published()) == 2
        assert c.rejected() == 1


async def test_a_page_over_the_source_limit_can_read_its_429() -> None:
    clock = FakeClock()
    rates = RateLimitSettings(source_events_per_s=1, source_events_burst=10, ip_requests_per_s=0)
    async with collector(rates, clock) as c:
        page = {"origin": "https://shop.example"}
        assert (await c.http.post("/v1/b", json=_batch(10), headers=page)).status_code == 200
        refused = await c.http.post("/v1/b", json=_batch(1, prefix="n"), headers=page)
        assert refused.status_code == 429
        assert refused.headers["access-control-allow-origin"] == "https://shop.example"


async def test_a_browser_user_agent_gives_the_device_and_a_server_library_does_not() -> None:
    clock = FakeClock()
    async with collector(RateLimitSettings(), clock) as c:
        headers = {"user-agent": IPHONE, "origin": "https://shop.example"}
        await c.http.post("/v1/t", json={"anonymousId": "a", "event": "x"}, headers=headers)
        await c.http.post(
            "/v1/track",
            json={"anonymousId": "b", "event": "x"},
            headers={"user-agent": "analytics-python/2.3.2"},
        )
        await c.http.get(
            "/v1/pixel.gif",
            auth=httpx.Auth(),
            params={"k": KEY, "event": "Email Opened", "userId": "c"},
            headers={"user-agent": IPHONE},
        )
        devices = {e.actor_id: e.device for e in c.published()}
        assert devices["a"] is not None
        assert devices["a"].class_ == "mobile"
        assert devices["b"] is None
        assert devices["c"] is not None
        assert devices["c"].class_ == "mobile"


def test_a_source_burst_smaller_than_a_full_batch_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="full batch could never be accepted"):
        CollectorOptions(rate_limits=RateLimitSettings(source_events_burst=100))
    assert CollectorOptions(
        rate_limits=RateLimitSettings(source_events_per_s=0, source_events_burst=1)
    )


def test_limits_and_trusted_proxies_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLLECTOR__RATE_LIMITS__IP_REQUESTS_PER_S", "0")
    monkeypatch.setenv("COLLECTOR__RATE_LIMITS__SOURCE_EVENTS_PER_S", "250.5")
    monkeypatch.setenv("COLLECTOR__TRUSTED_PROXIES", '["10.0.0.0/8"]')
    options = CollectorSettings().collector
    assert options.rate_limits.ip_requests_per_s == 0
    assert options.rate_limits.source_events_per_s == 250.5
    assert options.trusted_proxies == ["10.0.0.0/8"]
    monkeypatch.setenv("COLLECTOR__TRUSTED_PROXIES", '["not-a-network"]')
    with pytest.raises(ValidationError, match="not-a-network"):
        CollectorSettings()
