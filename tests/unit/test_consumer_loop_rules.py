"""The consumer loop's rules, on the in-memory broker and database (milliseconds per test).

The same loop runs on Kafka and PostgreSQL in tests/integration/test_consumer_loop.py.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from typing import cast

import pytest

from shared.errors import BadInput
from shared.poison import PoisonRecord
from shared.producer import OutgoingRecord
from shared.routes import AnyRoute, Delivery, Route, Work
from shared.settings import DeadLetterSettings
from tests.fakes.broker import FakeCluster
from tests.fakes.loop import DEAD_LETTERS, fast_settings, start, until
from tests.fakes.store import MemoryDatabase, MemoryTransaction

IN, OUT = "in", "out"


def text(value: bytes) -> str:
    decoded = value.decode()
    if decoded.startswith("garbage"):
        raise BadInput(f"not a probe value: {decoded!r}", code="probe")
    return decoded


class Collecting:
    """Appends each new value to ``seen`` in the database and emits it once: idempotent."""

    def __init__(self, *, key: str = "seen", poison: frozenset[str] = frozenset()) -> None:
        self.key = key
        self.poison = poison
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.fail_with: BaseException | None = None
        self.calls = 0

    async def __call__(self, work: Work, items: Sequence[Delivery[str]]) -> list[OutgoingRecord]:
        self.calls += 1
        self.entered.set()
        seen: list[str] = cast(MemoryTransaction, work.tx).data.setdefault(self.key, [])
        out = []
        for delivery in items:
            if delivery.value in self.poison:  # fails the batch without saying which record
                raise BadInput(f"{delivery.value} breaks a rule")
            if delivery.value == "refused":
                work.reject(delivery, "refused by the domain", code="domain")
                continue
            if delivery.value not in seen:
                seen.append(delivery.value)
                out.append(
                    OutgoingRecord(topic=OUT, key=delivery.value, value=delivery.value.encode())
                )
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return out


def produce(
    cluster: FakeCluster, values: Sequence[str], *, topic: str = IN, key: str = "k"
) -> None:
    for value in values:
        cluster.produce(topic, key, value.encode())


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster(partitions=2)
    cluster.create(IN)
    cluster.create(OUT, partitions=1)  # one log, so the order of what was emitted shows
    return cluster


async def test_offsets_are_committed_only_after_the_transaction_commits(
    cluster: FakeCluster,
) -> None:
    database, handler = MemoryDatabase(), Collecting()
    handler.gate = asyncio.Event()
    produce(cluster, ["a", "b", "c"])
    instance = start([Route(IN, text, handler)], cluster=cluster, database=database)
    await handler.entered.wait()
    assert (database.commits, cluster.committed_total("g", IN)) == (0, 0)
    handler.gate.set()
    await until(lambda: cluster.committed_total("g", IN) == 3, what="the commit")
    assert database.data["seen"] == ["a", "b", "c"]
    assert cluster.values(OUT) == [b"a", b"b", b"c"]
    await instance.finish()


async def test_a_commit_that_fails_transiently_is_retried_and_applied_once(
    cluster: FakeCluster,
) -> None:
    database, handler = MemoryDatabase(), Collecting()
    database.failing_commits = 2
    produce(cluster, ["a", "b"])
    instance = start([Route(IN, text, handler)], cluster=cluster, database=database)
    await until(lambda: cluster.committed_total("g", IN) == 2, what="the commit")
    assert (handler.calls, database.data["seen"], cluster.values(OUT)) == (
        3,
        ["a", "b"],
        [b"a", b"b"],
    )
    assert instance.metric("boucle_svc_batch_retries_total", {"dependency": "postgres"}) == 2
    await instance.finish()


async def test_after_a_crash_the_uncommitted_batch_is_redelivered_and_nothing_doubles(
    cluster: FakeCluster,
) -> None:
    database, handler = MemoryDatabase(), Collecting()
    produce(cluster, ["a", "b"])
    first = start([Route(IN, text, handler)], cluster=cluster, database=database)
    await until(lambda: cluster.committed_total("g", IN) == 2, what="the first batch")
    handler.fail_with = RuntimeError("a bug")
    produce(cluster, ["c", "a"])
    with pytest.raises(RuntimeError, match="a bug"):
        await first.task
    assert cluster.committed_total("g", IN) == 2  # nothing of the failed batch
    handler.fail_with = None
    second = start([Route(IN, text, handler)], cluster=cluster, database=database)
    await until(lambda: cluster.committed_total("g", IN) == 4, what="the redelivery")
    assert database.data["seen"] == ["a", "b", "c"]
    assert cluster.values(OUT) == [b"a", b"b", b"c"]
    await second.finish()


async def test_a_rebalance_waits_for_the_batch_in_flight_to_commit(cluster: FakeCluster) -> None:
    database, handler = MemoryDatabase(), Collecting()
    handler.gate = asyncio.Event()
    produce(cluster, ["a"], key="k1")
    produce(cluster, ["b"], key="k2")
    first = start([Route(IN, text, handler)], cluster=cluster, database=database)
    await handler.entered.wait()
    second = start([Route(IN, text, Collecting())], cluster=cluster, database=database)
    await asyncio.sleep(0.02)
    assert not second.broker.active or not second.broker.assigned  # still waiting
    assert cluster.committed_total("g", IN) == 0
    handler.gate.set()
    await until(lambda: bool(second.broker.assigned), what="the new member's partitions")
    assert cluster.committed_total("g", IN) == 2  # the first member committed before handing over
    await first.finish()
    await second.finish()


async def test_the_outbox_publishes_in_order_and_only_what_committed(cluster: FakeCluster) -> None:
    database, handler = MemoryDatabase(), Collecting()
    produce(cluster, ["1", "2", "3"])
    instance = start([Route(IN, text, handler)], cluster=cluster, database=database)
    await until(lambda: cluster.committed_total("g", IN) == 3, what="the first batch")
    cluster.down = True  # the relay cannot publish: committed rows wait in the outbox
    produce(cluster, ["4", "5"])
    await until(lambda: database.data["seen"][-1:] == ["5"], what="the second batch to commit")
    assert len(database.outbox) == 2
    cluster.down = False
    await until(lambda: cluster.committed_total("g", IN) == 5, what="the second commit")
    assert cluster.values(OUT) == [b"1", b"2", b"3", b"4", b"5"]
    assert database.outbox == []
    await instance.finish()


async def test_a_record_that_breaks_a_rule_is_isolated_and_the_rest_of_the_batch_commits(
    cluster: FakeCluster,
) -> None:
    database = MemoryDatabase()
    handler = Collecting(poison=frozenset({"bad"}))
    produce(cluster, ["a", "b", "bad", "c", "d"])
    instance = start([Route(IN, text, handler)], cluster=cluster, database=database)
    await until(lambda: cluster.committed_total("g", IN) == 5, what="the commit")
    assert database.data["seen"] == ["a", "b", "c", "d"]  # order kept around the poison
    [dead] = cluster.records(DEAD_LETTERS)
    headers = dict(dead.headers)
    assert dead.value == b"bad"
    assert headers["reason"] == b"bad breaks a rule"
    assert (headers["origin-topic"], headers["origin-offset"], headers["service"]) == (
        b"in",
        b"2",
        b"svc",
    )
    assert (
        instance.metric(
            "boucle_svc_records_dead_lettered_total", {"topic": IN, "reason": "invalid"}
        )
        == 1
    )
    await instance.finish()


async def test_a_handler_that_names_the_poison_record_dead_letters_it_alone(
    cluster: FakeCluster,
) -> None:
    class Naming(Collecting):
        async def __call__(
            self, work: Work, items: Sequence[Delivery[str]]
        ) -> list[OutgoingRecord]:
            for delivery in items:
                if delivery.value == "named":
                    raise PoisonRecord(delivery.record, "too big to store", code="size")
            return await super().__call__(work, items)

    database = MemoryDatabase()
    produce(cluster, ["a", "named", "b"])
    instance = start([Route(IN, text, Naming())], cluster=cluster, database=database)
    await until(lambda: cluster.committed_total("g", IN) == 3, what="the commit")
    assert database.data["seen"] == ["a", "b"]
    assert [dict(r.headers)["code"] for r in cluster.records(DEAD_LETTERS)] == [b"size"]
    await instance.finish()


async def test_undecodable_and_refused_records_are_dead_letters_and_the_stream_goes_on(
    cluster: FakeCluster,
) -> None:
    database = MemoryDatabase()
    produce(cluster, ["a", "garbage!", "refused", "b"])
    instance = start([Route(IN, text, Collecting())], cluster=cluster, database=database)
    await until(lambda: cluster.committed_total("g", IN) == 4, what="the commit")
    assert database.data["seen"] == ["a", "b"]
    reasons = sorted(dict(r.headers)["reason"] for r in cluster.records(DEAD_LETTERS))
    assert reasons == [b"not a probe value: 'garbage!'", b"refused by the domain"]
    await instance.finish()


async def test_past_the_dead_letter_limit_the_consumer_halts_without_committing(
    cluster: FakeCluster,
) -> None:
    database = MemoryDatabase()
    settings = fast_settings(
        dead_letters=DeadLetterSettings(max_dead_letters=2, window_records=100)
    )
    produce(cluster, ["a", "garbage1", "b"])
    instance = start(
        [Route(IN, text, Collecting())], cluster=cluster, database=database, settings=settings
    )
    await until(lambda: cluster.committed_total("g", IN) == 3, what="the first batch")
    produce(cluster, ["garbage2", "garbage3", "c"])
    await until(lambda: instance.consumer.halted is not None, what="the halt")
    assert cluster.committed_total("g", IN) == 3
    assert database.data["seen"] == ["a", "b"]  # the halted batch was not applied
    assert len(cluster.records(DEAD_LETTERS)) == 1
    assert "3 dead letters among the last 6 records" in (instance.consumer.halted or "")
    assert not instance.consumer.ready()
    assert instance.metric("boucle_svc_consumer_halted") == 1
    assert not instance.task.done()  # alive, so readiness and metrics can say why
    await instance.finish()


async def test_each_topic_has_its_own_decoder_and_handlers_run_in_route_order(
    cluster: FakeCluster,
) -> None:
    calls: list[str] = []

    async def numbers(work: Work, items: Sequence[Delivery[int]]) -> list[OutgoingRecord]:
        calls.append(f"numbers:{sum(d.value for d in items)}")
        return []

    async def words(work: Work, items: Sequence[Delivery[str]]) -> list[OutgoingRecord]:
        calls.append(f"words:{','.join(d.value for d in items)}")
        return []

    cluster.create("numbers")
    produce(cluster, ["x", "y"], topic="words")
    produce(cluster, ["2", "3"], topic="numbers")

    def number(raw: bytes) -> int:
        return int(raw)

    routes: list[AnyRoute] = [Route("numbers", number, numbers), Route("words", text, words)]
    instance = start(routes, cluster=cluster, database=MemoryDatabase())
    await until(lambda: bool(calls), what="a batch")
    assert calls == ["numbers:5", "words:x,y"]
    await instance.finish()


async def test_in_memory_state_changes_only_after_the_commit(cluster: FakeCluster) -> None:
    cache: list[str] = []

    async def caching(work: Work, items: Sequence[Delivery[str]]) -> list[OutgoingRecord]:
        for delivery in items:
            if delivery.value == "bad":
                raise BadInput("bad")
            work.after_commit(functools.partial(cache.append, delivery.value))
        return []

    database = MemoryDatabase()
    database.failing_commits = 1
    produce(cluster, ["a", "bad", "b"])
    instance = start([Route(IN, text, caching)], cluster=cluster, database=database)
    await until(lambda: cluster.committed_total("g", IN) == 3, what="the commit")
    assert cache == ["a", "b"]  # not the rolled-back attempts, not the poison
    await instance.finish()
