"""Webhooks and offline imports through the collector app on the real broker and database."""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.collector import cli
from services.collector.app import Ingestor, create_app
from services.collector.imports import imports_router
from services.collector.integrations.router import integrations_router
from services.collector.integrations.store import IntegrationDirectory, Receipts
from services.collector.metrics import CollectorMetrics
from services.collector.settings import CollectorOptions
from services.collector.sources import SourceDirectory
from shared.events import TrackingEvent
from shared.producer import EventProducer
from shared.settings import DatabaseSettings, KafkaSettings, TopicSettings
from tests import infra, webhooks

BASE = "http://collector"


async def sources_cli(database_url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="command"))
    await cli.run(
        parser.parse_args(["sources", *argv]), DatabaseSettings(url=database_url), demo_key="unused"
    )
    return capsys.readouterr().out


@pytest.fixture
async def client(
    sessions: async_sessionmaker[AsyncSession], topics: TopicSettings
) -> AsyncIterator[httpx.AsyncClient]:
    producer = EventProducer(KafkaSettings(bootstrap_servers=infra.BOOTSTRAP), client_id="it")
    await producer.start()
    registry = CollectorRegistry()
    ingestor = Ingestor(
        producer,
        SourceDirectory(sessions, ttl_s=0),
        options=CollectorOptions(),
        topics=topics,
        metrics=CollectorMetrics(registry),
    )
    routers = [
        integrations_router(
            ingestor,
            directory=IntegrationDirectory(sessions, ttl_s=0),
            receipts=Receipts(sessions),
            registry=registry,
        ),
        imports_router(ingestor, receipts=Receipts(sessions)),
    ]
    app = create_app(ingestor, registry=registry, checks={}, routers=routers)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
            yield http
    finally:
        await producer.stop()


async def test_connected_hubspot_source_publishes_once_and_refuses_the_replay(
    client: httpx.AsyncClient,
    database_url: str,
    topics: TopicSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await sources_cli(database_url, capsys, "add", "hubspot", "--kind", "crm")
    out = await sources_cli(
        database_url,
        capsys,
        "connect",
        "hubspot",
        "--provider",
        "hubspot",
        "--secret",
        webhooks.HUBSPOT_SECRET,
    )
    path = out.strip().rsplit(" at ", 1)[1]
    signed = webhooks.hubspot_signed(
        webhooks.fixture("hubspot/workflow_deal_won.json"), BASE + path
    )
    first = await client.post(path, content=signed.body, headers=signed.headers)
    replay = await client.post(path, content=signed.body, headers=signed.headers)
    resigned = webhooks.hubspot_signed(signed.body, BASE + path)
    retry = await client.post(path, content=resigned.body, headers=resigned.headers)
    assert (first.status_code, replay.status_code, retry.status_code) == (200, 401, 200)
    assert replay.json()["field"] == "replayed"
    assert retry.json()["duplicates"] == 1
    records = await infra.read_topic(topics.raw_events, expect=1, settle_s=1.0)
    [event] = [TrackingEvent.model_validate_json(r.value) for r in records]
    assert (event.event, event.properties["revenue"]) == ("Deal Won", "12500.50")


async def test_disabled_source_stops_its_webhooks(
    client: httpx.AsyncClient, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await sources_cli(database_url, capsys, "add", "pd", "--kind", "crm")
    out = await sources_cli(
        database_url,
        capsys,
        "connect",
        "pd",
        "--provider",
        "pipedrive",
        "--secret",
        f"{webhooks.PIPEDRIVE_USER}:{webhooks.PIPEDRIVE_PASSWORD}",
    )
    path = out.strip().rsplit(" at ", 1)[1]
    request = webhooks.pipedrive_request(webhooks.fixture("pipedrive/deal_won.json"))
    assert (
        await client.post(path, content=request.body, headers=request.headers)
    ).status_code == 200
    await sources_cli(database_url, capsys, "disable", "pd")
    refused = await client.post(path, content=request.body, headers=request.headers)
    assert (refused.status_code, refused.json()["field"]) == (401, "unknown_source")


def visits_csv(rows: int) -> bytes:
    lines = ["id,type,timestamp,email,location"]
    for n in range(rows):
        email = f"visitor{n}@example.com" if n % 100 else "broken-address"
        lines.append(f"v-{n},store_visit,2026-03-01T10:{n % 60:02d}:00Z,{email},Shop {n % 7}")
    return ("\n".join(lines) + "\n").encode()


async def test_thousands_of_offline_visits_import_once_with_bad_rows_dead_lettered(
    client: httpx.AsyncClient,
    database_url: str,
    topics: TopicSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = (
        (await sources_cli(database_url, capsys, "add", "stores", "--kind", "offline"))
        .rsplit(" ", 1)[1]
        .strip()
    )
    body = visits_csv(3_000)
    headers = {"Content-Type": "text/csv"}
    first = await client.post(
        "/v1/imports/offline", content=body, headers=headers, auth=(key, ""), timeout=60
    )
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["rows"], report["accepted"], report["rejectedCount"]) == (3_000, 2_970, 30)
    assert report["rejected"][0] == {
        "line": 2,
        "field": "email",
        "reason": "email 'broken-address' is not an address",
    }
    again = (
        await client.post(
            "/v1/imports/offline", content=body, headers=headers, auth=(key, ""), timeout=60
        )
    ).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2_970)
    events = await infra.read_topic(topics.raw_events, expect=2_970, settle_s=1.0)
    assert len(events) == 2_970
    assert len({json.loads(r.value)["messageId"] for r in events}) == 2_970
    dead = await infra.read_topic(topics.dead_letter, expect=60)
    assert len(dead) == 60  # both imports keep their rejected rows
    assert dict(dead[0].headers)["reason"].startswith(b"line ")


async def test_a_web_write_key_cannot_import(
    client: httpx.AsyncClient, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key = (
        (await sources_cli(database_url, capsys, "add", "site", "--kind", "web"))
        .rsplit(" ", 1)[1]
        .strip()
    )
    response = await client.post(
        "/v1/imports/offline",
        content=visits_csv(2),
        headers={"Content-Type": "text/csv"},
        auth=(key, ""),
    )
    assert (response.status_code, response.json()["error"]) == (400, "wrong_source_kind")
