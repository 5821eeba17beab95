"""The collector's HTTP contract, with a list standing in for Kafka and a dict for the sources."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Iterable

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.collector.app import Ingestor, create_app
from services.collector.settings import CollectorOptions, LimitSettings
from services.collector.sources import Source
from shared.errors import DependencyDown
from shared.events import TrackingEvent
from shared.metrics import CollectorMetrics
from shared.producer import OutgoingRecord
from shared.settings import TopicSettings

KEY = "test-key"
TOPICS = TopicSettings()


class ListSink:
    def __init__(self) -> None:
        self.records: list[OutgoingRecord] = []
        self.down = False

    async def send_all(self, records: Iterable[OutgoingRecord]) -> None:
        if self.down:
            raise DependencyDown("kafka", "broker unreachable")
        self.records.extend(records)

    def on(self, topic: str) -> list[OutgoingRecord]:
        return [r for r in self.records if r.topic == topic]


class DictSources:
    async def authenticate(self, write_key: str) -> Source | None:
        return Source("src-1", "web", "web", True) if write_key == KEY else None


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
async def client(sink: ListSink) -> AsyncIterator[httpx.AsyncClient]:
    options = CollectorOptions(
        limits=LimitSettings(max_event_bytes=2_000, max_request_bytes=10_000, max_batch_events=5)
    )
    registry = CollectorRegistry()
    ingestor = Ingestor(
        sink, DictSources(), options=options, topics=TOPICS, metrics=CollectorMetrics(registry)
    )

    async def always() -> bool:
        return True

    app = create_app(ingestor, registry=registry, checks={"kafka": always})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://collector", auth=(KEY, "")
    ) as http:
        yield http


async def test_track_is_published_keyed_by_the_device(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    response = await client.post(
        "/v1/track", json={"anonymousId": "a1", "userId": "u1", "event": "Signed Up"}
    )
    assert response.status_code == 200
    [record] = sink.on(TOPICS.raw_events)
    assert record.key == "a1"
    event = TrackingEvent.model_validate_json(record.value)
    assert (event.type, event.event, event.source_id) == ("track", "Signed Up", "src-1")


async def test_write_key_may_come_in_the_body(client: httpx.AsyncClient, sink: ListSink) -> None:
    no_header = httpx.Auth()  # the base class sends the request as it is
    response = await client.post(
        "/v1/page", auth=no_header, content=json.dumps({"writeKey": KEY, "anonymousId": "a1"})
    )
    assert response.status_code == 200
    assert len(sink.on(TOPICS.raw_events)) == 1


async def test_unknown_key_is_401_and_nothing_is_published(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    response = await client.post(
        "/v1/track", auth=("wrong", ""), json={"anonymousId": "a1", "event": "x"}
    )
    assert response.status_code == 401
    assert "write key" in response.json()["message"]
    assert sink.records == []


async def test_malformed_event_is_400_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/track", json={"anonymousId": "a1"})
    assert response.status_code == 400
    assert response.json()["field"] == "event"


async def test_invalid_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/track", content=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


async def test_oversized_event_is_413_with_the_limit(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/track", json={"anonymousId": "a1", "event": "x", "properties": {"blob": "x" * 3_000}}
    )
    assert response.status_code == 413
    assert "2000" in response.json()["message"]


async def test_gzip_bodies_are_accepted(client: httpx.AsyncClient, sink: ListSink) -> None:
    body = gzip.compress(json.dumps({"batch": [{"type": "page", "anonymousId": "a1"}]}).encode())
    response = await client.post("/v1/batch", content=body, headers={"content-encoding": "gzip"})
    assert response.status_code == 200
    assert response.json()["accepted"] == 1


async def test_batch_keeps_valid_events_and_dead_letters_invalid_ones(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    response = await client.post(
        "/v1/batch",
        json={
            "batch": [
                {"type": "track", "anonymousId": "a1", "event": "Ok"},
                {"type": "track", "anonymousId": "a1"},
                {"type": "identify", "userId": "u1"},
            ]
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2
    assert [r["index"] for r in body["rejected"]] == [1]
    [dead] = sink.on(TOPICS.dead_letter)
    assert json.loads(dead.value) == {"type": "track", "anonymousId": "a1"}
    assert dict(dead.headers)["reason"].startswith(b"batch[1]")
    assert len(sink.on(TOPICS.raw_events)) == 2


async def test_batch_over_the_event_limit_is_refused_whole(client: httpx.AsyncClient) -> None:
    batch = [{"type": "page", "anonymousId": "a1"}] * 6
    response = await client.post("/v1/batch", json={"batch": batch})
    assert response.status_code == 400
    assert response.json()["error"] == "too_many_events"


async def test_kafka_down_is_503_with_retry_after(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    sink.down = True
    response = await client.post("/v1/track", json={"anonymousId": "a1", "event": "x"})
    assert response.status_code == 503
    assert response.headers["retry-after"]


async def test_metrics_count_accepted_and_rejected(client: httpx.AsyncClient) -> None:
    await client.post("/v1/track", json={"anonymousId": "a1", "event": "x"})
    await client.post("/v1/track", json={"anonymousId": "a1"})
    text = (await client.get("/metrics")).text
    assert 'boucle_collector_events_accepted_total{type="track"} 1.0' in text
    assert 'boucle_collector_events_rejected_total{reason="invalid"} 1.0' in text
