"""Records without a value: a tombstone is read as its topic's deletion where the route says how,
and is a dead letter ("record has no value") where it does not; the outbox sends a tombstone as
a null value, and the collector's spool refuses to carry one."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from services.collector.delivery import encode_records
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Route, Work
from tests.fakes.broker import FakeCluster
from tests.fakes.loop import DEAD_LETTERS, start, until
from tests.fakes.store import MemoryDatabase

TOPIC = "links"


class Seen:
    def __init__(self) -> None:
        self.values: list[str] = []

    async def __call__(self, work: Work, items: Sequence[Delivery[str]]) -> list[OutgoingRecord]:
        self.values.extend(item.value for item in items)
        return []


def forgotten(key: bytes | None) -> str:
    return f"forget {key.decode() if key else '?'}"


async def test_a_tombstone_reaches_the_handler_as_what_the_route_reads_it_as() -> None:
    cluster, seen = FakeCluster(partitions=1), Seen()
    cluster.produce(TOPIC, "u-1", b"link u-1")
    cluster.produce(TOPIC, "u-1", None)
    route = Route(TOPIC, lambda value: value.decode(), seen, tombstone=forgotten)
    instance = start([route], cluster=cluster, database=MemoryDatabase())
    await until(lambda: len(seen.values) == 2, what="both records")
    await instance.finish()
    assert seen.values == ["link u-1", "forget u-1"]
    assert cluster.records(DEAD_LETTERS) == []


async def test_a_tombstone_on_a_route_that_reads_none_is_a_dead_letter() -> None:
    cluster, seen = FakeCluster(partitions=1), Seen()
    cluster.produce(TOPIC, "u-1", None)
    cluster.produce(TOPIC, "u-2", b"link u-2")
    instance = start(
        [Route(TOPIC, lambda value: value.decode(), seen)],
        cluster=cluster,
        database=MemoryDatabase(),
    )
    await until(lambda: len(cluster.records(DEAD_LETTERS)) == 1, what="the dead letter")
    await until(lambda: seen.values == ["link u-2"], what="the next record")
    await instance.finish()
    [dead] = cluster.records(DEAD_LETTERS)
    assert dict(dead.headers)["reason"] == b"record has no value"


async def test_a_tombstone_staged_by_a_handler_is_published_with_a_null_value() -> None:
    cluster = FakeCluster(partitions=1)
    cluster.produce(TOPIC, "u-1", b"erase u-1")

    async def erase(work: Work, items: Sequence[Delivery[str]]) -> list[OutgoingRecord]:
        return [OutgoingRecord.deleting("identities", item.value.split()[1]) for item in items]

    instance = start(
        [Route(TOPIC, lambda value: value.decode(), erase)],
        cluster=cluster,
        database=MemoryDatabase(),
    )
    await until(lambda: bool(cluster.records("identities")), what="the tombstone")
    await instance.finish()
    [tombstone] = cluster.records("identities")
    assert (tombstone.key, tombstone.value) == (b"u-1", None)


def test_the_collector_spool_refuses_a_tombstone_rather_than_sending_an_empty_value() -> None:
    with pytest.raises(ValueError, match="tombstone"):
        encode_records([OutgoingRecord.deleting("identities", "u-1")])
