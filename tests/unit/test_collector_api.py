"""The collector's HTTP contract, with a list standing in for Kafka and a dict for the sources."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.collector.app import Ingestor, create_app
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorOptions, LimitSettings
from services.collector.sources import Source
from shared.errors import DependencyDown
from shared.events import TrackingEvent
from shared.identity import email_hash, phone_hash
from shared.producer import OutgoingRecord
from shared.settings import TopicSettings

KEY = "test-key"
TOPICS = TopicSettings()


class ListSink:
    def __init__(self) -> None:
        self.records: list[OutgoingRecord] = []
        self.down = False
        # When set, sends wait for it: lets a test hold a request in flight.
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.failing_sends = 0  # the next sends that fail, whatever ``down`` says

    async def send_all(self, records: Iterable[OutgoingRecord]) -> None:
        batch = list(records)
        fails = self.down or self.failing_sends > 0
        self.failing_sends = max(0, self.failing_sends - 1)
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if fails:
            raise DependencyDown("kafka", "broker unreachable")
        self.records.extend(batch)

    def on(self, topic: str) -> list[OutgoingRecord]:
        return [r for r in self.records if r.topic == topic]


class DictSources:
    async def authenticate(self, write_key: str) -> Source | None:
        return (
            Source("src-1", "web", "web", True, ("https://shop.example",))
            if write_key == KEY
            else None
        )

    async def origin_allowed(self, origin: str) -> bool:
        return origin == "https://shop.example"


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


async def test_a_body_that_is_not_utf8_is_400_saying_so(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/track", content=b'{"event": "caf\xe9", "userId": "u"}')
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert "not UTF-8" in response.json()["message"]


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
    assert 'http_requests_total{method="POST",route="/v1/track",status="200"} 1.0' in text
    assert 'http_requests_total{method="POST",route="/v1/track",status="400"} 1.0' in text
    assert 'http_request_duration_seconds_count{method="POST",route="/v1/track"} 2.0' in text


async def test_analytics_js_short_paths_take_text_plain_bodies(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    body = json.dumps({"writeKey": KEY, "anonymousId": "a1", "event": "Clicked"})
    response = await client.post(
        "/v1/t", content=body, auth=httpx.Auth(), headers={"content-type": "text/plain"}
    )
    assert response.status_code == 200
    batch = json.dumps({"writeKey": KEY, "batch": [{"type": "page", "anonymousId": "a1"}]})
    response = await client.post("/v1/b", content=batch, headers={"content-type": "text/plain"})
    assert response.json()["accepted"] == 1
    types = [TrackingEvent.model_validate_json(r.value).type for r in sink.on(TOPICS.raw_events)]
    assert types == ["track", "page"]


async def test_preflight_is_answered_for_an_allowed_origin_only(client: httpx.AsyncClient) -> None:
    allowed = await client.options(
        "/v1/b",
        headers={
            "origin": "https://shop.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        },
    )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "Authorization" in allowed.headers["access-control-allow-headers"]
    refused = await client.options("/v1/b", headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


async def test_a_page_of_another_origin_is_refused_with_403(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    ok = await client.post(
        "/v1/track",
        headers={"origin": "https://shop.example"},
        json={"anonymousId": "a1", "event": "x"},
    )
    assert ok.headers["access-control-allow-origin"] == "https://shop.example"
    refused = await client.post(
        "/v1/track",
        headers={"origin": "https://evil.example"},
        json={"anonymousId": "a1", "event": "x"},
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "origin_not_allowed"
    assert len(sink.on(TOPICS.raw_events)) == 1


async def test_pixel_answers_a_gif_and_publishes_the_event(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    response = await client.get(
        "/v1/pixel.gif",
        auth=httpx.Auth(),
        params={
            "k": KEY,
            "event": "Email Opened",
            "userId": "u1",
            "p.mail": "spring-1",
            "utm_campaign": "spring",
            "utm_medium": "email",
        },
    )
    assert (response.status_code, response.headers["content-type"]) == (200, "image/gif")
    assert response.content.startswith(b"GIF89a")
    [record] = sink.on(TOPICS.raw_events)
    event = TrackingEvent.model_validate_json(record.value)
    assert (event.event, event.properties, event.campaign.name, event.channel) == (
        "Email Opened",
        {"mail": "spring-1"},
        "spring",
        "email",
    )


async def test_pixel_with_bad_input_still_answers_the_gif_and_keeps_a_dead_letter(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    response = await client.get(
        "/v1/pixel.gif", auth=httpx.Auth(), params={"k": KEY, "event": "Email Opened"}
    )  # no id
    assert response.status_code == 200
    [dead] = sink.on(TOPICS.dead_letter)
    assert b"userId or anonymousId" in dict(dead.headers)["reason"]
    unknown = await client.get("/v1/pixel.gif", auth=httpx.Auth(), params={"k": "nope"})
    assert unknown.status_code == 200


async def test_the_snippet_is_served_as_javascript(client: httpx.AsyncClient) -> None:
    response = await client.get("/b.js")
    assert response.headers["content-type"].startswith("text/javascript")
    assert "sendBeacon" in response.text
    assert len(response.content) < 8_000


async def test_a_retried_message_id_is_published_once(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    event = {"type": "track", "anonymousId": "a1", "event": "x", "messageId": "m-1"}
    first = await client.post("/v1/batch", json={"batch": [event, event]})
    second = await client.post("/v1/batch", json={"batch": [event]})
    assert (first.json()["duplicates"], second.json()["duplicates"]) == (1, 1)
    assert len(sink.on(TOPICS.raw_events)) == 1


async def test_a_twin_sent_while_the_first_is_in_flight_is_published_once(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    # A page's beacon racing its own fetch: the same messageId twice, concurrently.
    body = {"anonymousId": "a1", "event": "x", "messageId": "same"}
    sink.gate = asyncio.Event()
    first = asyncio.create_task(client.post("/v1/track", json=body))
    await sink.entered.wait()
    second = asyncio.create_task(client.post("/v1/track", json=body))
    await asyncio.sleep(0)  # let the twin reach the in-flight check
    sink.gate.set()
    assert [r.status_code for r in await asyncio.gather(first, second)] == [200, 200]
    assert len(sink.on(TOPICS.raw_events)) == 1


async def test_a_twin_is_published_itself_when_the_first_attempt_fails(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    body = {"anonymousId": "a1", "event": "x", "messageId": "same"}
    sink.gate, sink.failing_sends = asyncio.Event(), 1  # only the first attempt fails
    first = asyncio.create_task(client.post("/v1/track", json=body))
    await sink.entered.wait()
    second = asyncio.create_task(client.post("/v1/track", json=body))
    await asyncio.sleep(0)
    sink.gate.set()
    statuses = [r.status_code for r in await asyncio.gather(first, second)]
    assert statuses == [503, 200]
    assert len(sink.on(TOPICS.raw_events)) == 1


# Privacy at the edge: contact details never reach Kafka in clear; consent marks what
# downstream may build.


async def published(client: httpx.AsyncClient, sink: ListSink, body: dict[str, Any]) -> bytes:
    response = await client.post("/v1/batch", json={"batch": [body]})
    assert response.json()["accepted"] == 1, response.text
    [record] = sink.on(TOPICS.raw_events)
    return record.value


async def test_email_and_phone_travel_only_as_hashed_identities(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    raw = await published(
        client,
        sink,
        {
            "type": "identify",
            "userId": "u-1",
            "traits": {"email": "Ada@Example.com", "phone": "+33 6 12 34 56 78", "plan": "pro"},
            "context": {"traits": {"email": "ada@example.com", "mobile": "0612345678"}},
        },
    )
    for clear in (b"Ada@Example.com", b"ada@example.com", b"12 34 56", b"0612345678"):
        assert clear not in raw
    event = TrackingEvent.model_validate_json(raw)
    assert event.traits == {"plan": "pro"}
    assert event.context["traits"] == {}
    assert event.identities == {
        "email": email_hash("ada@example.com"),
        "phone": phone_hash("+33612345678"),
    }


async def test_a_contact_form_email_in_properties_identifies_the_person_hashed(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    raw = await published(
        client,
        sink,
        {
            "type": "track",
            "anonymousId": "a-1",
            "event": "Feedback Submitted",
            "properties": {"text": "colis jamais arrivé", "email": "bob@example.org"},
        },
    )
    event = TrackingEvent.model_validate_json(raw)
    assert b"bob@example.org" not in raw
    assert event.properties == {"text": "colis jamais arrivé"}
    assert event.identities["email"] == email_hash("bob@example.org")


@pytest.mark.parametrize(
    ("consent", "tracking"),
    [
        (None, True),  # no consent object: nothing is enforced, as in Segment
        ({"categoryPreferences": {}}, True),
        ({"categoryPreferences": {"Analytics": True, "Advertising": False}}, True),
        ({"categoryPreferences": {"Advertising": True}}, True),
        ({"categoryPreferences": {"Analytics": False, "Advertising": False}}, False),
        ({"categoryPreferences": {"Functional": True}}, False),
    ],
)
async def test_consent_without_a_tracking_category_marks_the_event_for_counting_only(
    client: httpx.AsyncClient, sink: ListSink, consent: dict[str, Any] | None, tracking: bool
) -> None:
    context = {"consent": consent} if consent is not None else {}
    raw = await published(client, sink, {"type": "page", "anonymousId": "a-1", "context": context})
    assert TrackingEvent.model_validate_json(raw).tracking_consent is tracking


def test_phone_numbers_hash_by_their_digits_and_international_prefix() -> None:
    assert (
        phone_hash("+33 6 12 34 56 78") == phone_hash("0033612345678") == phone_hash("+33612345678")
    )
    assert phone_hash("06 12 34 56 78") != phone_hash("+33 6 12 34 56 78")
    assert phone_hash("12") is None
