"""A retry is a 2xx on every route, over HTTP, through the collector's real delivery path.

The unit tests of the API use a list for Kafka; these use the real ``DurableSink`` (Kafka first,
the spool second) over an in-memory producer, because the retry bug lived in that path: a request
whose events were all duplicates handed it nothing to send. Also here: clocks at the extremes
of what ISO-8601 can say are kept plausible, never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.collector.app import Ingestor, create_app
from services.collector.delivery import DeliveryOptions, DurableSink
from services.collector.imports import imports_router
from services.collector.integrations.router import integrations_router
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorOptions
from services.collector.sources import Source
from services.collector.spool import Spool
from shared.events import TrackingEvent
from shared.producer import OutgoingRecord
from tests import webhooks
from tests.unit.test_collector_api import TOPICS
from tests.unit.test_delivery import HeldProducer
from tests.unit.test_webhook_api import BASE, KEYS, DictIntegrations, SetReceipts, post

WEB_KEY, OFFLINE_KEY = "web-key", "offline-key"
OPTIONS = DeliveryOptions(ack_timeout_s=1.0, replay_batch=10, reconnect_s=0.01, stop_timeout_s=1.0)


class TwoSources:
    async def authenticate(self, write_key: str) -> Source | None:
        return {
            WEB_KEY: Source("web-1", "web", "web", True, ()),
            OFFLINE_KEY: Source("store-1", "stores", "offline", True, ()),
        }.get(write_key)

    async def origin_allowed(self, origin: str) -> bool:
        return False


class RecordingProducer(HeldProducer):
    """Acknowledges at once and keeps what it was given, topic included."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[OutgoingRecord] = []

    async def enqueue_all(self, records: Iterable[OutgoingRecord]) -> list[asyncio.Future[object]]:
        batch = list(records)
        self.records.extend(batch)
        return await super().enqueue_all(batch)


class Collector:
    def __init__(
        self, http: httpx.AsyncClient, producer: RecordingProducer, registry: CollectorRegistry
    ) -> None:
        self.http = http
        self.producer = producer
        self.registry = registry

    def published(self) -> list[TrackingEvent]:
        return [
            TrackingEvent.model_validate_json(record.value)
            for record in self.producer.records
            if record.topic == TOPICS.raw_events
        ]

    def metric(self, name: str, labels: dict[str, str] | None = None) -> float:
        return self.registry.get_sample_value(name, labels or {}) or 0.0


@pytest.fixture
async def collector(tmp_path: Path) -> AsyncIterator[Collector]:
    producer = RecordingProducer()
    registry = CollectorRegistry()
    metrics = CollectorMetrics(registry)
    spool = Spool(tmp_path, max_bytes=1 << 20, segment_bytes=1 << 16)
    spool.open()
    sink = DurableSink(
        spool=spool, connect=lambda: producer, options=OPTIONS, metrics=metrics, producer=producer
    )
    ingestor = Ingestor(
        sink, TwoSources(), options=CollectorOptions(), topics=TOPICS, metrics=metrics
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
        yield Collector(http, producer, registry)
    spool.close()


SINGLE_BODIES: dict[str, dict[str, object]] = {
    "track": {"event": "Signed Up"},
    "page": {"name": "Home"},
    "screen": {"name": "Home"},
    "identify": {"traits": {"plan": "pro"}},
    "group": {"groupId": "g-1"},
    "alias": {"previousId": "old-1"},
}
SINGLE_PATHS = [(f"/v1/{call}", call) for call in SINGLE_BODIES] + [
    (f"/v1/{call[0]}", call) for call in SINGLE_BODIES
]


@pytest.mark.parametrize(("path", "call"), SINGLE_PATHS)
async def test_a_retried_single_call_is_200_with_one_duplicate_and_published_once(
    collector: Collector, path: str, call: str
) -> None:
    body: dict[str, object] = {"userId": "u-1", "messageId": f"m-{call}", **SINGLE_BODIES[call]}
    first = await collector.http.post(path, json=body)
    retry = await collector.http.post(path, json=body)
    assert first.status_code == 200, first.text
    assert (first.json()["duplicates"], retry.status_code) == (0, 200)
    assert retry.json() == {"success": True, "duplicates": 1}
    assert [e.message_id for e in collector.published()] == [f"m-{call}"]
    assert collector.metric("boucle_collector_events_deduplicated_total") == 1


@pytest.mark.parametrize("path", ["/v1/batch", "/v1/import", "/v1/b"])
async def test_an_all_duplicate_batch_is_200_with_its_duplicate_count(
    collector: Collector, path: str
) -> None:
    batch = [
        {"type": "track", "userId": "u-1", "event": "x", "messageId": f"b-{i}"} for i in range(3)
    ]
    first = await collector.http.post(path, json={"batch": batch})
    retry = await collector.http.post(path, json={"batch": batch})
    assert first.json()["accepted"] == 3
    assert retry.status_code == 200, retry.text
    assert (retry.json()["accepted"], retry.json()["duplicates"]) == (3, 3)
    assert len(collector.published()) == 3
    assert collector.metric("boucle_collector_events_deduplicated_total") == 3


async def test_a_retried_pixel_answers_the_gif_and_is_published_once(collector: Collector) -> None:
    url = f"/v1/pixel.gif?k={WEB_KEY}&event=Email%20Opened&userId=u-1&messageId=px-1"
    first = await collector.http.get(url)
    retry = await collector.http.get(url)
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.headers["content-type"] == "image/gif"
    assert len(collector.published()) == 1
    assert collector.metric("boucle_collector_events_deduplicated_total") == 1


async def test_a_signed_webhook_retry_is_200_with_its_duplicates(collector: Collector) -> None:
    body = webhooks.fixture("sendgrid/events.json")
    first = await post(collector.http, "/v1/hooks/sendgrid/sg", KEYS.sign(body))
    retry = await post(collector.http, "/v1/hooks/sendgrid/sg", KEYS.sign(body, timestamp=None))
    assert first.json()["accepted"] == 6
    assert retry.status_code == 200, retry.text
    assert (retry.json()["accepted"], retry.json()["duplicates"]) == (0, 6)
    assert len(collector.published()) == 6
    assert collector.metric("boucle_collector_events_deduplicated_total") == 6
    assert (
        collector.metric(
            "boucle_collector_webhook_events_total",
            {"provider": "sendgrid", "outcome": "duplicate"},
        )
        == 6
    )


async def test_a_re_imported_file_is_200_with_every_row_a_duplicate(collector: Collector) -> None:
    rows = b"email,type,timestamp\na@example.com,store_visit,2026-01-02T10:00:00Z\n"
    rows += b"b@example.com,call,2026-01-02T11:00:00Z\n"

    async def send() -> httpx.Response:
        return await collector.http.post(
            "/v1/imports/offline",
            content=rows,
            headers={"content-type": "text/csv"},
            auth=(OFFLINE_KEY, ""),
        )

    assert (await send()).json()["accepted"] == 2
    again = await send()
    assert again.status_code == 200, again.text
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 2)
    assert len(collector.published()) == 2
    assert collector.metric("boucle_collector_events_deduplicated_total") == 2


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


NOW = datetime.now(UTC)
EXTREME_CLOCKS = [
    # (originalTimestamp, sentAt, the flag expected)
    ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "timestamp_out_of_range"),
    ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "timestamp_out_of_range"),
    ("0001-01-01T00:00:00Z", None, "timestamp_out_of_range"),
    ("9999-12-31T23:59:59Z", None, "timestamp_in_future"),
    ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "timestamp_out_of_range"),
    (_iso(NOW), "9999-12-31T23:59:59Z", "timestamp_out_of_range"),
    (_iso(NOW), "0001-01-01T00:00:00Z", "timestamp_in_future"),
]


@pytest.mark.parametrize(("original", "sent_at", "flag"), EXTREME_CLOCKS)
@pytest.mark.parametrize("route", ["track", "batch"])
async def test_extreme_clocks_are_kept_at_the_time_received_and_flagged(
    collector: Collector, route: str, original: str, sent_at: str | None, flag: str
) -> None:
    event = {"userId": "u-1", "event": "x", "timestamp": original}
    if route == "track":
        response = await collector.http.post(
            "/v1/track", json={**event, **({"sentAt": sent_at} if sent_at else {})}
        )
    else:
        body: dict[str, object] = {"batch": [{"type": "track", **event}]}
        response = await collector.http.post("/v1/batch", json={**body, "sentAt": sent_at})
    assert response.status_code == 200, response.text
    [published] = collector.published()
    assert flag in published.flags
    assert abs(published.timestamp - published.received_at) < timedelta(seconds=1)


@pytest.mark.parametrize(
    "stamp",
    [
        lambda: {"timestamp": "2026-13-01T00:00:00Z"},
        lambda: {"timestamp": "not a date"},
        lambda: {"timestamp": 1e300},
    ],
)
async def test_a_timestamp_that_is_no_date_is_a_400_naming_the_field(
    collector: Collector, stamp: Callable[[], dict[str, object]]
) -> None:
    response = await collector.http.post("/v1/track", json={"userId": "u", "event": "x", **stamp()})
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "timestamp"
    assert collector.published() == []
