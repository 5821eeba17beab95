"""Unmodified third-party server-side clients against the collector process, read back from Kafka.

Both libraries post gzip-compressed `/v1/batch` requests with the write key as the Basic username.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from rudderstack.analytics.client import Client as RudderClient
from segment.analytics import Client as SegmentClient

from tests import infra
from tests.processes import PORT_BASE, RunningCollector, running_collector

CAMPAIGN_URL = (
    "https://shop.example/spring?utm_source=google&utm_medium=cpc&utm_campaign=sp&gclid=G1"
)


@pytest.fixture(scope="module")
def collector(
    template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningCollector]:
    with running_collector(
        template_database, tmp_path_factory.mktemp("clients"), port=PORT_BASE + 12
    ) as running:
        yield running


def _send_every_call(client: Any, anonymous_id: str, user_id: str) -> None:
    """The same six calls, which both libraries name and sign alike."""
    context = {"page": {"url": CAMPAIGN_URL}}
    client.page(anonymous_id=anonymous_id, name="Spring", context=context)
    client.screen(anonymous_id=anonymous_id, name="Home")
    client.identify(
        user_id=user_id, anonymous_id=anonymous_id, traits={"email": " Ana@Example.com "}
    )
    client.track(
        user_id=user_id,
        anonymous_id=anonymous_id,
        event="Order Completed",
        properties={"revenue": 42, "currency": "EUR"},
    )
    client.group(user_id=user_id, group_id="acme", traits={"name": "Acme"})
    client.alias(previous_id=anonymous_id, user_id=user_id)
    client.flush()


def _events_of(records: list[Any], anonymous_id: str, user_id: str) -> dict[str, dict[str, Any]]:
    events = [json.loads(r.value) for r in records]
    mine = [
        e
        for e in events
        if anonymous_id in (e.get("anonymousId"), e.get("previousId")) or e.get("userId") == user_id
    ]
    return {e["type"]: e for e in mine}


def _assert_pipeline_view(by_type: dict[str, dict[str, Any]], user_id: str) -> None:
    assert set(by_type) == {"page", "screen", "identify", "track", "group", "alias"}
    assert by_type["page"]["campaign"] == {"name": "sp", "source": "google", "medium": "cpc"}
    assert by_type["page"]["clickIds"] == {"gclid": "G1"}
    assert by_type["page"]["channel"] == "paid_search"
    assert by_type["track"]["properties"]["revenue"] == 42
    assert "email" in by_type["identify"]["identities"]
    assert by_type["alias"]["userId"] == user_id
    assert by_type["group"]["groupId"] == "acme"


def _run_client(client: Any, collector: RunningCollector) -> dict[str, dict[str, Any]]:
    anonymous_id, user_id = str(uuid.uuid4()), f"u-{uuid.uuid4().hex[:8]}"
    _send_every_call(client, anonymous_id, user_id)
    deadline = time.monotonic() + 30
    by_type: dict[str, dict[str, Any]] = {}
    while len(by_type) < 6 and time.monotonic() < deadline:
        records = asyncio.run(
            infra.read_topic(collector.topics.raw_events, expect=10_000, timeout_s=0.5)
        )
        by_type = _events_of(records, anonymous_id, user_id)
    _assert_pipeline_view(by_type, user_id)
    return by_type


@pytest.mark.parametrize(
    "client_class",
    [SegmentClient, RudderClient],
    ids=["segment-analytics-python", "rudder-sdk-python"],
)
def test_an_unmodified_python_client_reaches_kafka_with_every_call(
    collector: RunningCollector, client_class: Any
) -> None:
    errors: list[Exception] = []
    client = client_class(
        write_key=collector.write_key,
        host=collector.url,
        gzip=True,
        on_error=lambda error, _: errors.append(error),
        max_retries=1,
    )
    by_type = _run_client(client, collector)
    client.shutdown()
    assert errors == []
    # RudderStack's client still names itself after the Segment library it forked.
    assert by_type["track"]["context"]["library"]["name"] == "analytics-python"
