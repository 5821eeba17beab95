"""The webhook endpoints' HTTP contract, with a list standing in for Kafka and dicts for the
integration secrets and receipts (the real store is covered by the integration tests)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable

import httpx
import pytest
from prometheus_client import CollectorRegistry

from services.collector.app import Ingestor, create_app
from services.collector.integrations.providers import stored_secret
from services.collector.integrations.router import integrations_router
from services.collector.integrations.store import Integration
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorOptions
from shared.events import TrackingEvent
from tests import webhooks
from tests.unit.test_collector_api import TOPICS, DictSources, ListSink
from tests.webhooks import SendGridKeys, Signed

BASE = "http://collector"
KEYS = SendGridKeys()
SECRETS = {
    "hs": ("hubspot", webhooks.HUBSPOT_SECRET),
    "sg": ("sendgrid", KEYS.public),
    "pd": ("pipedrive", f"{webhooks.PIPEDRIVE_USER}:{webhooks.PIPEDRIVE_PASSWORD}"),
    "sf": ("salesforce", f"{webhooks.SALESFORCE_ORG}:{webhooks.SALESFORCE_TOKEN}"),
}


class DictIntegrations:
    async def find(self, source_id: str) -> Integration | None:
        if source_id not in SECRETS:
            return None
        provider, secret = SECRETS[source_id]
        return Integration(source_id, provider, stored_secret(provider, secret))


class SetReceipts:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def seen(self, receipt_ids: Iterable[str]) -> set[str]:
        return self.ids & set(receipt_ids)

    async def record(self, receipt_ids: Iterable[str]) -> None:
        self.ids.update(receipt_ids)


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def client(sink: ListSink, registry: CollectorRegistry) -> AsyncIterator[httpx.AsyncClient]:
    ingestor = Ingestor(
        sink,
        DictSources(),
        options=CollectorOptions(),
        topics=TOPICS,
        metrics=CollectorMetrics(registry),
    )
    router = integrations_router(
        ingestor, directory=DictIntegrations(), receipts=SetReceipts(), registry=registry
    )
    app = create_app(ingestor, registry=registry, checks={}, routers=[router])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http


async def post(client: httpx.AsyncClient, path: str, signed: Signed) -> httpx.Response:
    return await client.post(path + signed.query, content=signed.body, headers=signed.headers)


def published(sink: ListSink) -> list[TrackingEvent]:
    return [TrackingEvent.model_validate_json(r.value) for r in sink.on(TOPICS.raw_events)]


def refused(registry: CollectorRegistry, provider: str, reason: str) -> float:
    value = registry.get_sample_value(
        "boucle_collector_webhooks_refused_total", {"provider": provider, "reason": reason}
    )
    return value or 0.0


async def test_signed_hubspot_deal_is_published_keyed_by_the_person(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    body = webhooks.fixture("hubspot/workflow_deal_won.json")
    response = await post(
        client, "/v1/hooks/hubspot/hs", webhooks.hubspot_signed(body, f"{BASE}/v1/hooks/hubspot/hs")
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "success": True,
        "accepted": 1,
        "duplicates": 0,
        "ignored": 0,
        "rejected": [],
    }
    [record] = sink.on(TOPICS.raw_events)
    event = TrackingEvent.model_validate_json(record.value)
    assert (event.event, event.source_id) == ("Deal Won", "hs")
    assert record.key == event.actor_id == f"email:{event.identities['email']}"


async def test_replayed_signed_request_is_refused_and_counted(
    client: httpx.AsyncClient, sink: ListSink, registry: CollectorRegistry
) -> None:
    signed = webhooks.hubspot_signed(
        webhooks.fixture("hubspot/workflow_deal_won.json"), f"{BASE}/v1/hooks/hubspot/hs"
    )
    assert (await post(client, "/v1/hooks/hubspot/hs", signed)).status_code == 200
    again = await post(client, "/v1/hooks/hubspot/hs", signed)
    assert again.status_code == 401
    assert again.json()["field"] == "replayed"
    assert len(sink.on(TOPICS.raw_events)) == 1
    assert refused(registry, "hubspot", "replayed") == 1


async def test_provider_retry_signed_anew_is_acknowledged_without_a_second_event(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    body = webhooks.fixture("sendgrid/events.json")
    first = await post(client, "/v1/hooks/sendgrid/sg", KEYS.sign(body))
    retry = await post(client, "/v1/hooks/sendgrid/sg", KEYS.sign(body, timestamp=None))
    assert first.json()["accepted"] == 6
    assert retry.status_code == 200
    assert (retry.json()["accepted"], retry.json()["duplicates"]) == (0, 6)
    assert len(published(sink)) == 6


async def test_forged_and_unknown_requests_get_401_with_a_clear_message(
    client: httpx.AsyncClient, sink: ListSink, registry: CollectorRegistry
) -> None:
    body = webhooks.fixture("sendgrid/events.json")
    forged = await post(client, "/v1/hooks/sendgrid/sg", SendGridKeys().sign(body))
    unknown = await post(client, "/v1/hooks/sendgrid/nobody", KEYS.sign(body))
    wrong_provider = await post(client, "/v1/hooks/hubspot/sg", KEYS.sign(body))
    assert [r.status_code for r in (forged, unknown, wrong_provider)] == [401, 401, 401]
    assert forged.json() == {
        "success": False,
        "error": "unauthorized",
        "field": "forged",
        "message": forged.json()["message"],
    }
    assert "verification key" in forged.json()["message"]
    assert unknown.json()["field"] == "unknown_source"
    assert sink.records == []
    assert refused(registry, "sendgrid", "forged") == 1


async def test_an_unidentifiable_item_is_dead_lettered_with_its_reason(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    response = await post(
        client, "/v1/hooks/sendgrid/sg", KEYS.sign(webhooks.fixture("sendgrid/events.json"))
    )
    [dead] = sink.on(TOPICS.dead_letter)
    assert json.loads(dead.value)["sg_event_id"] == "no-recipient-AAAA=="
    assert b"identifies anyone" in dict(dead.headers)["reason"]
    assert len(response.json()["rejected"]) == 1


async def test_salesforce_is_answered_with_a_soap_ack(
    client: httpx.AsyncClient, sink: ListSink
) -> None:
    signed = webhooks.salesforce_request(webhooks.fixture("salesforce/opportunity_won.xml"))
    response = await post(client, "/v1/hooks/salesforce/sf", signed)
    assert response.status_code == 200
    assert b"<Ack>true</Ack>" in response.content
    assert [e.event for e in published(sink)] == ["Deal Won", "Lead Created"]


async def test_pipedrive_without_credentials_is_refused(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    response = await post(
        client, "/v1/hooks/pipedrive/pd", Signed(webhooks.fixture("pipedrive/deal_won.json"), {})
    )
    assert response.status_code == 401
    assert refused(registry, "pipedrive", "unauthenticated") == 1
