"""Acknowledged means durable: a broker outage and a kill -9 lose and duplicate nothing.

The collector runs as a real process. The outage test stops a throwaway broker of its own (never
the shared one), keeps posting, restarts it, and reads the topic back.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import infra
from tests.processes import (
    PORT_BASE,
    WRITE_KEY,
    Collector,
    ThrowawayBroker,
    collector_env,
    seed_demo_source,
)

DEPTH = "boucle_collector_spool_depth_requests"


def _event(message_id: str) -> dict[str, object]:
    return {"anonymousId": f"a-{message_id[:4]}", "event": "Clicked", "messageId": message_id}


async def _post_all(url: str, ids: list[str]) -> None:
    async with httpx.AsyncClient(base_url=url, auth=(WRITE_KEY, ""), timeout=30) as http:
        responses = await asyncio.gather(*(http.post("/v1/track", json=_event(i)) for i in ids))
    assert [r.status_code for r in responses] == [200] * len(ids), [r.text for r in responses]


async def _message_ids(topic: str, *, expect: int, bootstrap: str) -> list[str]:
    records = await infra.read_topic(
        topic, expect=expect, timeout_s=60, settle_s=2, bootstrap=bootstrap
    )
    return sorted(json.loads(r.value)["messageId"] for r in records)


def _ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[ThrowawayBroker]:
    own = ThrowawayBroker(run_dir=tmp_path / "broker", port=19092, controller_port=19093)
    own.start()
    yield own
    own.stop()


async def test_events_acknowledged_during_a_broker_outage_arrive_exactly_once(
    broker: ThrowawayBroker, database_url: str, tmp_path: Path
) -> None:
    topics = await infra.create_topics(infra.unique("outage"), bootstrap=broker.bootstrap)
    env = collector_env(
        database_url=database_url,
        topics=topics,
        bootstrap=broker.bootstrap,
        port=PORT_BASE + 10,
        spool_dir=tmp_path / "spool",
    )
    seed_demo_source(env)
    collector = Collector(env, tmp_path / "collector.log")
    collector.start()
    try:
        before, during = _ids(10), _ids(40)
        await _post_all(collector.url, before)
        await asyncio.to_thread(broker.stop)
        for chunk in range(0, len(during), 8):  # concurrent requests share spool fsyncs
            await _post_all(collector.url, during[chunk : chunk + 8])
        await _post_all(collector.url, during[:3])  # client retries: dropped at the edge
        assert collector.metric(DEPTH) > 0
        assert collector.metric("boucle_collector_events_spooled_total") >= len(during) - 8
        await asyncio.to_thread(broker.start)

        async def drained() -> bool:
            return collector.metric(DEPTH) == 0

        await infra.eventually(drained, timeout_s=90, what="spool replayed")
        received = await _message_ids(topics.raw_events, expect=50, bootstrap=broker.bootstrap)
        assert received == sorted(before + during)
        assert collector.metric("boucle_collector_events_deduplicated_total") == 3
    finally:
        assert collector.stop() == 0, (tmp_path / "collector.log").read_text()


async def test_a_killed_collector_replays_its_spool_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    topics = await infra.create_topics(infra.unique("kill"))
    nowhere = "127.0.0.1:18299"  # no broker: every acknowledgement comes from the spool
    env = collector_env(
        database_url=database_url,
        topics=topics,
        bootstrap=nowhere,
        port=PORT_BASE + 11,
        spool_dir=tmp_path / "spool",
    )
    seed_demo_source(env)
    first = Collector(env, tmp_path / "first.log")
    first.start()
    ids = _ids(30)
    await _post_all(first.url, ids)
    assert first.metric(DEPTH) == 30
    first.kill()
    second = Collector(
        {**env, "KAFKA__BOOTSTRAP_SERVERS": infra.BOOTSTRAP}, tmp_path / "second.log"
    )
    second.start()
    try:
        received = await _message_ids(topics.raw_events, expect=30, bootstrap=infra.BOOTSTRAP)
        assert received == sorted(ids)

        async def drained() -> bool:
            return second.metric(DEPTH) == 0

        await infra.eventually(drained, timeout_s=30, what="spool emptied")
    finally:
        assert second.stop() == 0, (tmp_path / "second.log").read_text()
