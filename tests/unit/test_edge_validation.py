"""What no store downstream can hold is refused at the edge, over HTTP, on every route: single
calls (400 naming the field), batch items (refused alone, dead-lettered), the pixel, webhooks
and import rows; valid events still pass, and a lower-case currency is upper-cased."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.collector.app import Ingestor, create_app
from services.collector.imports import imports_router
from services.collector.integrations.router import integrations_router
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorOptions
from services.collector.sources import Source
from shared.events import TrackingEvent
from tests import webhooks
from tests.unit.test_collector_api import TOPICS, ListSink
from tests.unit.test_webhook_api import BASE, DictIntegrations, SetReceipts

WEB_KEY, OFFLINE_KEY = "web-key", "offline-key"


class TwoSources:
    async def authenticate(self, write_key: str) -> Source | None:
        return {
            WEB_KEY: Source("web-1", "web", "web", True, ()),
            OFFLINE_KEY: Source("store-1", "stores", "offline", True, ()),
        }.get(write_key)

    async def origin_allowed(self, origin: str) -> bool:
        return False


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
async def client(sink: ListSink) -> AsyncIterator[httpx.AsyncClient]:
    registry = CollectorRegistry()
    ingestor = Ingestor(
        sink,
        TwoSources(),
        options=CollectorOptions(),
        topics=TOPICS,
        metrics=CollectorMetrics(registry),
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
        yield http


def published(sink: ListSink) -> list[TrackingEvent]:
    return [TrackingEvent.model_validate_json(r.value) for r in sink.on(TOPICS.raw_events)]


def order(**properties: Any) -> dict[str, Any]:
    return {"userId": "u-1", "event": "Order Completed", "properties": properties}


# (message, the field the 400 must name, the error code)
UNSTORABLE = [
    ({"userId": "u\x00-1", "event": "x"}, "userId", "nul_character"),
    ({"userId": "u-1", "event": "Sign\x00ed Up"}, "event", "nul_character"),
    (
        {"userId": "u-1", "event": "x", "context": {"campaign": {"source": "news\x00"}}},
        "context.campaign.source",
        "nul_character",
    ),
    ({"userId": "u-1", "event": "x", "traits": {"a\x00b": 1}}, "traits.a\\u0000b", "nul_character"),
    (
        {
            "userId": "u-1",
            "event": "x",
            "context": {"page": {"url": "https://shop.example/?utm_source=a%00b"}},
        },
        "context.page.url",
        "nul_character",
    ),
    (
        {"userId": "u-1", "event": "NPS Submitted", "properties": {"score": 2, "comment": "\x00"}},
        "properties.comment",
        "nul_character",
    ),
    (order(revenue=1e15), "properties.revenue", "invalid_amount"),
    (order(revenue="100000000000000"), "properties.revenue", "invalid_amount"),
    (order(revenue="abc"), "properties.revenue", "invalid_amount"),
    (order(revenue=True), "properties.revenue", "invalid_amount"),
    (order(revenue={"amount": 1}), "properties.revenue", "invalid_amount"),
    (order(revenue=[1]), "properties.revenue", "invalid_amount"),
    (order(revenue="NaN"), "properties.revenue", "invalid_amount"),
    (order(revenue="Infinity"), "properties.revenue", "invalid_amount"),
    (order(revenue="1_000"), "properties.revenue", "invalid_amount"),
    (order(revenue=-5), "properties.revenue", "invalid_amount"),
    (order(value="ten"), "properties.value", "invalid_amount"),
    (order(total=-1), "properties.total", "invalid_amount"),
    (order(revenue=10, currency="xx"), "properties.currency", "invalid_currency"),
    (order(revenue=10, currency=123), "properties.currency", "invalid_currency"),
    (order(revenue=10, currency="💶"), "properties.currency", "invalid_currency"),
    (order(revenue=10, currency="BGN"), "properties.currency", "invalid_currency"),
    (order(revenue=10, currency="XXX"), "properties.currency", "invalid_currency"),
    (order(revenue=10, currency="xts"), "properties.currency", "invalid_currency"),
    (order(revenue=10, currency=["EUR"]), "properties.currency", "invalid_currency"),
    (order(revenue=10, currency={"code": "EUR"}), "properties.currency", "invalid_currency"),
    (
        {"userId": "u-1", "event": "Ad Clicked", "properties": {"cost": "free"}},
        "properties.cost",
        "invalid_amount",
    ),
    (
        {"userId": "u-1", "event": "NPS Submitted", "properties": {"score": "great"}},
        "properties.score",
        "invalid",
    ),
]


@pytest.mark.parametrize(("message", "field", "code"), UNSTORABLE)
async def test_a_single_call_that_no_store_can_hold_is_a_400_naming_the_field(
    client: httpx.AsyncClient, sink: ListSink, message: dict[str, Any], field: str, code: str
) -> None:
    response = await client.post("/v1/track", json=message)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["field"], body["error"]) == (field, code)
    assert body["message"].startswith(field)
    assert sink.records == []


async def test_the_amount_limit_is_said_in_the_message(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/track", json=order(revenue=1e15))
    assert "10^14" in response.json()["message"]


@pytest.mark.parametrize(("message", "field", "code"), UNSTORABLE)
async def test_a_batch_item_that_no_store_can_hold_is_refused_alone_and_dead_lettered(
    client: httpx.AsyncClient, sink: ListSink, message: dict[str, Any], field: str, code: str
) -> None:
    good = {"type": "track", "userId": "u-2", "event": "Signed Up"}
    body = {"batch": [good, {"type": "track", **message}]}
    response = await client.post("/v1/batch", json=body)
    assert response.status_code == 200, response.text
    [rejected] = response.json()["rejected"]
    assert (rejected["index"], rejected["field"]) == (1, f"batch[1].{field}")
    assert [e.user_id for e in published(sink)] == ["u-2"]
    [dead] = sink.on(TOPICS.dead_letter)
    assert dict(dead.headers)["reason"].decode().startswith(f"batch[1].{field}")


async def test_valid_money_passes_and_a_lower_case_currency_is_upper_cased(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    sent = [
        order(revenue=99.99, currency="eur"),
        order(revenue="12.50", value=3, total="1e3", currency=" usd "),
        order(revenue=99_999_999_999_999, currency="JPY"),
        {"userId": "u-1", "event": "Order Refunded", "properties": {"revenue": -30, "total": -30}},
        {"userId": "u-1", "event": "Signed Up", "properties": {"currency": None, "revenue": ""}},
        {"userId": "u-1", "event": "NPS Submitted", "properties": {"score": "7", "comment": "ok"}},
    ]
    for message in sent:
        response = await client.post("/v1/track", json=message)
        assert response.status_code == 200, response.text
    events = published(sink)
    assert [e.properties.get("currency") for e in events] == ["EUR", "USD", "JPY", None, None, None]
    assert events[3].properties["revenue"] == -30


async def test_a_pixel_event_with_a_nul_is_dead_lettered_not_published(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    params = {"k": WEB_KEY, "event": "Email Opened", "userId": "u-1", "p.note": "a\x00b"}
    response = await client.get("/v1/pixel.gif", auth=httpx.Auth(), params=params)
    assert response.status_code == 200
    assert published(sink) == []
    [dead] = sink.on(TOPICS.dead_letter)
    assert dict(dead.headers)["reason"].decode().startswith("properties.note")


def pipedrive_deal(**data: Any) -> bytes:
    body = webhooks.fixture_json("pipedrive/deal_won.json")
    body["data"].update(data)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"value": "lots"}, "data.value"),
        ({"value": 1e15}, "properties.revenue"),
        ({"currency": "xx"}, "properties.currency"),
        ({"title": "Dana\x00Lopez"}, "properties.deal_name"),
    ],
)
async def test_a_webhook_item_that_no_store_can_hold_is_rejected_and_dead_lettered(
    client: httpx.AsyncClient, sink: ListSink, data: dict[str, Any], named: str
) -> None:
    signed = webhooks.pipedrive_request(pipedrive_deal(**data))
    response = await client.post(
        "/v1/hooks/pipedrive/pd", content=signed.body, headers=signed.headers, auth=httpx.Auth()
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 0
    [rejected] = response.json()["rejected"]
    assert named in rejected["reason"]
    assert published(sink) == []
    assert len(sink.on(TOPICS.dead_letter)) == 1


async def test_a_valid_webhook_deal_still_passes_with_its_currency_upper_cased(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    signed = webhooks.pipedrive_request(pipedrive_deal())
    response = await client.post(
        "/v1/hooks/pipedrive/pd", content=signed.body, headers=signed.headers, auth=httpx.Auth()
    )
    assert response.json()["accepted"] == 1, response.text
    [event] = published(sink)
    assert (event.properties["revenue"], event.properties["currency"]) == ("9900", "EUR")


@pytest.mark.parametrize(
    ("columns", "field"),
    [
        ({"value": "1e15"}, "value"),
        ({"value": "-4"}, "value"),
        ({"value": "NaN"}, "value"),
        ({"currency": "xx"}, "currency"),
        ({"note": "a\x00b"}, "note"),
    ],
)
async def test_an_import_row_that_no_store_can_hold_is_rejected_with_its_column(
    client: httpx.AsyncClient, sink: ListSink, columns: dict[str, str], field: str
) -> None:
    good = {"type": "call", "timestamp": "2026-03-01T10:00:00Z", "email": "a@example.com"}
    lines = [json.dumps(good), json.dumps({**good, "id": "r-2", **columns})]
    response = await client.post(
        "/v1/imports/offline", auth=(OFFLINE_KEY, ""), content="\n".join(lines).encode()
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["accepted"], report["rejectedCount"]) == (1, 1)
    assert (report["rejected"][0]["line"], report["rejected"][0]["field"]) == (2, field)
    assert len(sink.on(TOPICS.dead_letter)) == 1


async def test_an_import_row_with_a_valid_value_keeps_it_and_upper_cases_its_currency(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    row = {"type": "call", "timestamp": "2026-03-01T10:00:00Z", "email": "a@example.com"}
    csv = "type,timestamp,email,value,currency\n" + ",".join(row.values()) + ",120.5,gbp\n"
    response = await client.post(
        "/v1/imports/offline",
        auth=(OFFLINE_KEY, ""),
        content=csv.encode(),
        headers={"content-type": "text/csv"},
    )
    assert response.json()["accepted"] == 1, response.text
    [event] = published(sink)
    assert (event.properties["value"], event.properties["currency"]) == ("120.5", "GBP")


async def test_a_code_that_names_no_money_is_refused_saying_what_to_send(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    response = await client.post("/v1/track", json=order(revenue=10, currency="XXX"))
    assert response.status_code == 400, response.text
    assert "send the currency the amount is in" in response.json()["message"]
    assert sink.records == []
