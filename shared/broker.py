"""The consumer loop's view of Kafka: a small port, and its aiokafka adapter.

The loop needs little from a broker: join a group for some topics, fetch what is assigned, commit
offsets, and say how far behind it is. Keeping that behind an interface lets the loop's rules
(commit after the transaction, redelivery after a crash, rebalances that wait for the batch in
flight) be tested in milliseconds against the in-memory fake in ``tests/fakes``; the real broker
stays in the integration tests.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from shared.errors import DependencyDown
from shared.settings import ConsumerSettings, KafkaSettings


class Partition(NamedTuple):
    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]"


@dataclass(frozen=True, slots=True)
class Record:
    """One fetched record, as the loop sees it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int = 0
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def position(self) -> Partition:
        return Partition(self.topic, self.partition)


Fetched = dict[Partition, list[Record]]


class CommitRefused(Exception):
    """The group moved the partitions elsewhere before the commit; the new owner redelivers."""


class RebalanceListener(Protocol):
    async def on_revoked(self, partitions: Collection[Partition]) -> None: ...
    async def on_assigned(self, partitions: Collection[Partition]) -> None: ...


class Broker(Protocol):
    """What the loop asks of Kafka. ``fetch`` returns each partition's records in order."""

    async def start(self, topics: Sequence[str], listener: RebalanceListener) -> None: ...
    async def stop(self) -> None: ...
    async def fetch(self, *, timeout_ms: int, max_records: int) -> Fetched: ...
    async def commit(self, offsets: Mapping[Partition, int]) -> None: ...
    async def lag(self) -> dict[Partition, int]: ...


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]  # untyped base
    def __init__(self, listener: RebalanceListener) -> None:
        self._listener = listener

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        await self._listener.on_revoked([Partition(tp.topic, tp.partition) for tp in revoked])

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        await self._listener.on_assigned([Partition(tp.topic, tp.partition) for tp in assigned])


def record_of(raw: ConsumerRecord) -> Record:
    """aiokafka's record as the loop sees it."""
    return Record(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        key=raw.key,
        value=raw.value,
        timestamp_ms=raw.timestamp,
        headers=tuple(raw.headers or ()),
    )


class KafkaBroker:
    """The port on aiokafka: a consumer group member with manual commits."""

    def __init__(self, kafka: KafkaSettings, settings: ConsumerSettings) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka.bootstrap_servers,
            client_id=f"{kafka.client_id}-{settings.group_id}",
            group_id=settings.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=settings.max_partition_fetch_bytes,
        )

    async def start(self, topics: Sequence[str], listener: RebalanceListener) -> None:
        self._consumer.subscribe(list(topics), listener=_Listener(listener))
        try:
            await self._consumer.start()
        except KafkaError as exc:
            await self._consumer.stop()
            raise DependencyDown("kafka", repr(exc)) from exc

    async def stop(self) -> None:
        await self._consumer.stop()

    async def fetch(self, *, timeout_ms: int, max_records: int) -> Fetched:
        batch = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        return {
            Partition(tp.topic, tp.partition): [record_of(r) for r in records]
            for tp, records in batch.items()
            if records
        }

    async def commit(self, offsets: Mapping[Partition, int]) -> None:
        try:
            await self._consumer.commit(
                {TopicPartition(p.topic, p.partition): offset for p, offset in offsets.items()}
            )
        except CommitFailedError as exc:
            raise CommitRefused(str(exc)) from exc

    async def lag(self) -> dict[Partition, int]:
        behind: dict[Partition, int] = {}
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is not None:
                position = await self._consumer.position(tp)
                behind[Partition(tp.topic, tp.partition)] = max(0, highwater - position)
        return behind
