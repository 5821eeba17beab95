"""Rate limits of a real collector process: 429 with Retry-After, and what was refused never
reaches Kafka. The limits refill so slowly (one token in ~17 minutes) that the test's own pace
cannot matter; behind a trusted proxy (loopback), X-Forwarded-For tells the clients apart."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests import infra
from tests.processes import PORT_BASE, RunningCollector, running_collector

ANONYMOUS_ID = "a-rate"  # one key, so one partition, so Kafka keeps the order of sends
LIMITS = {
    "COLLECTOR__LIMITS__MAX_BATCH_EVENTS": "10",
    "COLLECTOR__RATE_LIMITS__SOURCE_EVENTS_PER_S": "0.001",
    "COLLECTOR__RATE_LIMITS__SOURCE_EVENTS_BURST": "10",
    "COLLECTOR__RATE_LIMITS__IP_REQUESTS_PER_S": "0.001",
    "COLLECTOR__RATE_LIMITS__IP_REQUESTS_BURST": "2",
    "COLLECTOR__TRUSTED_PROXIES": '["127.0.0.1"]',
}


@pytest.fixture
def collector(
    template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningCollector]:
    with running_collector(
        template_database, tmp_path_factory.mktemp("limits"), port=PORT_BASE + 15, extra=LIMITS
    ) as running:
        yield running


def _other_source_key(collector: RunningCollector) -> str:
    added = subprocess.run(
        [sys.executable, "-m", "services.collector", "sources", "add", "other", "--kind", "server"],
        cwd=infra.ROOT,
        env=collector.collector.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return added.stdout.rsplit("write key: ", 1)[1].strip()


def _batch(prefix: str, n: int) -> dict[str, object]:
    return {
        "batch": [
            {
                "type": "track",
                "event": "x",
                "anonymousId": ANONYMOUS_ID,
                "messageId": f"{prefix}{i}",
            }
            for i in range(n)
        ]
    }


def _rejected_rate_limited(collector: RunningCollector) -> float:
    text = httpx.get(f"{collector.url}/metrics", timeout=5).text
    prefix = 'boucle_collector_events_rejected_total{reason="rate_limited"} '
    return sum(float(line[len(prefix) :]) for line in text.splitlines() if line.startswith(prefix))


def _message_ids_up_to(topic: str, sentinel: str) -> set[str]:
    deadline = time.monotonic() + 30
    ids: set[str] = set()
    while sentinel not in ids and time.monotonic() < deadline:
        records = asyncio.run(infra.read_topic(topic, expect=1_000, timeout_s=0.5))
        ids = {json.loads(r.value)["messageId"] for r in records}
    return ids


def test_over_the_limits_is_429_with_retry_after_and_nothing_reaches_kafka(
    collector: RunningCollector,
) -> None:
    first = {"x-forwarded-for": "203.0.113.1"}
    with httpx.Client(base_url=collector.url, auth=(collector.write_key, ""), timeout=10) as http:
        assert http.post("/v1/batch", json=_batch("a", 10), headers=first).status_code == 200
        over_source = http.post("/v1/batch", json=_batch("b", 10), headers=first)
        over_address = http.post(
            "/v1/track",
            json={"anonymousId": ANONYMOUS_ID, "event": "x", "messageId": "c0"},
            headers=first,
        )
        later = http.post(
            "/v1/track",
            auth=(_other_source_key(collector), ""),
            json={"anonymousId": ANONYMOUS_ID, "event": "x", "messageId": "sentinel"},
            headers={"x-forwarded-for": "203.0.113.2"},
        )
    assert (over_source.status_code, over_source.json()["error"]) == (429, "rate_limited")
    assert "events/s" in over_source.json()["message"]
    assert int(over_source.headers["retry-after"]) >= 1
    assert (over_address.status_code, over_address.json()["error"]) == (429, "rate_limited")
    assert "from your address" in over_address.json()["message"]
    assert int(over_address.headers["retry-after"]) >= 1
    assert later.status_code == 200  # another source from another client is not limited

    # Everything sent before the sentinel, on its partition, arrives before it.
    received = _message_ids_up_to(collector.topics.raw_events, "sentinel")
    assert received == {f"a{i}" for i in range(10)} | {"sentinel"}
    assert _rejected_rate_limited(collector) == 11  # the 10 events of b, and c0's request
