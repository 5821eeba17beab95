"""What the benchmark asks the shared broker: topics of its own, offsets, raw reads and writes.

Consumer progress is read the way an operator reads it: the group's committed offsets against
the topic's end offsets. Nothing here looks inside a service.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import GroupCoordinatorNotAvailableError


@dataclass(frozen=True)
class Broker:
    bootstrap: str

    async def create_topics(self, names: Iterable[str], *, partitions: int) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(name, partitions, 1) for name in names])
        finally:
            await admin.close()

    async def delete_topics(self, *, containing: str) -> list[str]:
        """Every topic whose name contains ``containing`` (ours, and the peer's own topics)."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            names = [name for name in await admin.list_topics() if containing in name]
            if names:
                await admin.delete_topics(names)
            return names
        finally:
            await admin.close()

    async def committed(self, group: str, topic: str) -> int:
        async with OffsetWatch(self.bootstrap) as watch:
            return await watch.committed(group, topic)

    async def end_offsets(self, topic: str) -> int:
        async with OffsetWatch(self.bootstrap) as watch:
            return await watch.end_offsets(topic)

    async def produce(self, topic: str, records: Iterable[tuple[bytes, bytes]]) -> int:
        """Writes (key, value) pairs as fast as the producer batches them; returns the count."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024
        )
        await producer.start()
        count = 0
        try:
            for key, value in records:
                await producer.send(topic, value, key=key)
                count += 1
            await producer.flush()
        finally:
            await producer.stop()
        return count

    async def read_all(
        self, topic: str, decode: Callable[[bytes], Any] | None
    ) -> tuple[int, float]:
        """A raw consumer's ceiling: every record from the start, optionally decoded.

        Returns (records, seconds from the first fetch to the last record)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=8 * 1024 * 1024,
            fetch_max_bytes=64 * 1024 * 1024,
        )
        await consumer.start()
        try:
            partitions = await _partitions(consumer, topic)
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            total = int(sum((await consumer.end_offsets(partitions)).values()))
            return await _drain(consumer, total, decode)
        finally:
            await consumer.stop()


class OffsetWatch:
    """One admin client and one group-less consumer, kept open while a run is watched."""

    def __init__(self, bootstrap: str) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self._partitions: dict[str, list[TopicPartition]] = {}

    async def __aenter__(self) -> OffsetWatch:
        await self._admin.start()
        await self._consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def committed(self, group: str, topic: str) -> int:
        """The sum of the group's committed offsets over the topic's partitions (0 if none)."""
        try:
            offsets = await self._admin.list_consumer_group_offsets(group)
        except GroupCoordinatorNotAvailableError:
            return 0  # a group that has not joined yet has no coordinator
        return sum(
            meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0
        )

    async def end_offsets(self, topic: str) -> int:
        """Records in the topic (every partition starts at offset 0: the topics are new)."""
        if topic not in self._partitions:
            self._partitions[topic] = await _partitions(self._consumer, topic)
        ends = await self._consumer.end_offsets(self._partitions[topic])
        return int(sum(ends.values()))


async def _drain(
    consumer: AIOKafkaConsumer, total: int, decode: Callable[[bytes], Any] | None
) -> tuple[int, float]:
    seen = 0
    started = time.perf_counter()  # the fetches are the consumer's work too
    while seen < total:
        batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
        for records in batches.values():
            if decode is not None:
                for record in records:
                    decode(record.value)
            seen += len(records)
    return seen, time.perf_counter() - started


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    found = consumer.partitions_for_topic(topic)
    deadline = time.monotonic() + 30
    while not found:  # the client learns a topic's partitions only when it asks
        if time.monotonic() > deadline:
            raise RuntimeError(f"topic {topic} has no partitions after 30 s")
        await consumer._client.force_metadata_update()
        found = consumer.partitions_for_topic(topic)
    return [TopicPartition(topic, partition) for partition in sorted(found)]
