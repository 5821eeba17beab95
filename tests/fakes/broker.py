"""An in-memory Kafka: topics of partitions, consumer groups with committed offsets, members
that join, leave, crash and rebalance (a join waits for the members' revocations, as Kafka's
group protocol waits for their in-flight batches)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence

from shared.broker import CommitRefused, Fetched, Partition, RebalanceListener, Record
from shared.errors import DependencyDown
from shared.producer import OutgoingRecord


class FakeCluster:
    """The broker side. It is also a RecordSink, so what the loop publishes lands here."""

    def __init__(self, *, partitions: int = 3) -> None:
        self.default_partitions = partitions
        self.topics: dict[str, list[list[Record]]] = {}
        self.committed: dict[tuple[str, Partition], int] = {}
        self.members: dict[str, list[FakeBroker]] = {}
        self.down = False
        self.arrived = asyncio.Event()
        self.clock_ms = 0

    def create(self, topic: str, *, partitions: int | None = None) -> None:
        self.topics.setdefault(topic, [[] for _ in range(partitions or self.default_partitions)])

    def produce(
        self,
        topic: str,
        key: str,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> Record:
        self.create(topic)
        partitions = self.topics[topic]
        index = zlib.crc32(key.encode()) % len(partitions)
        self.clock_ms += 1
        record = Record(
            topic=topic,
            partition=index,
            offset=len(partitions[index]),
            key=key.encode(),
            value=value,
            timestamp_ms=self.clock_ms,
            headers=tuple(headers),
        )
        partitions[index].append(record)
        self.arrived.set()
        return record

    async def send_all(self, records: Iterable[OutgoingRecord]) -> None:
        if self.down:
            raise DependencyDown("kafka", "the fake cluster is down")
        for record in records:
            value = None if record.tombstone else record.value
            self.produce(record.topic, record.key, value, record.headers)

    def records(self, topic: str) -> list[Record]:
        return [record for partition in self.topics.get(topic, []) for record in partition]

    def values(self, topic: str) -> list[bytes]:
        return [record.value or b"" for record in self.records(topic)]

    def committed_total(self, group: str, topic: str) -> int:
        return sum(
            offset for (g, p), offset in self.committed.items() if g == group and p.topic == topic
        )

    def member(self, group: str) -> FakeBroker:
        return FakeBroker(self, group)

    async def rebalance(self, group: str, topics: Sequence[str]) -> None:
        members = self.members.get(group, [])
        for member in members:
            await member.revoke_all()
        partitions = [
            Partition(topic, index)
            for topic in topics
            for index in range(len(self.topics.get(topic, [])))
        ]
        for position, partition in enumerate(partitions):
            if members:
                members[position % len(members)].assigned.add(partition)
        for member in members:
            await member.take_assignment()


class FakeBroker:
    """One consumer group member: the loop's Broker port."""

    def __init__(self, cluster: FakeCluster, group: str) -> None:
        self.cluster = cluster
        self.group = group
        self.topics: list[str] = []
        self.listener: RebalanceListener | None = None
        self.assigned: set[Partition] = set()
        self.positions: dict[Partition, int] = {}
        self.active = False

    async def start(self, topics: Sequence[str], listener: RebalanceListener) -> None:
        if self.cluster.down:
            raise DependencyDown("kafka", "the fake cluster is down")
        for topic in topics:
            self.cluster.create(topic)
        self.topics, self.listener, self.active = list(topics), listener, True
        self.cluster.members.setdefault(self.group, []).append(self)
        await self.cluster.rebalance(self.group, self.topics)

    async def stop(self) -> None:
        if self.active:
            await self.revoke_all()
            await self._leave()

    async def crash(self) -> None:
        """Gone without a word (SIGKILL): no revocation, its uncommitted work is redelivered."""
        self.assigned.clear()
        await self._leave()

    async def _leave(self) -> None:
        self.active = False
        members = self.cluster.members.get(self.group, [])
        if self in members:
            members.remove(self)
        if members:
            await self.cluster.rebalance(self.group, members[0].topics)

    async def revoke_all(self) -> None:
        revoked, self.assigned = set(self.assigned), set()
        if revoked and self.listener is not None:
            await self.listener.on_revoked(sorted(revoked))

    async def take_assignment(self) -> None:
        self.positions = {p: self.cluster.committed.get((self.group, p), 0) for p in self.assigned}
        if self.listener is not None:
            await self.listener.on_assigned(sorted(self.assigned))

    async def fetch(self, *, timeout_ms: int, max_records: int) -> Fetched:
        fetched = self._take(max_records)
        if not fetched:
            self.cluster.arrived.clear()
            try:
                await asyncio.wait_for(self.cluster.arrived.wait(), timeout_ms / 1000)
            except TimeoutError:
                return {}
            fetched = self._take(max_records)
        return fetched

    def _take(self, max_records: int) -> Fetched:
        fetched: Fetched = {}
        room = max_records
        for partition in sorted(self.assigned):
            log = self.cluster.topics[partition.topic][partition.partition]
            start = self.positions.get(partition, 0)
            records = log[start : start + room]
            if records:
                fetched[partition] = records
                self.positions[partition] = start + len(records)
                room -= len(records)
        return fetched

    async def commit(self, offsets: Mapping[Partition, int]) -> None:
        if self.cluster.down:
            raise DependencyDown("kafka", "the fake cluster is down")
        if not self.active or not set(offsets) <= self.assigned:
            raise CommitRefused("partitions are no longer assigned to this member")
        for partition, offset in offsets.items():
            self.cluster.committed[(self.group, partition)] = offset

    async def lag(self) -> dict[Partition, int]:
        return {
            p: len(self.cluster.topics[p.topic][p.partition]) - self.positions.get(p, 0)
            for p in self.assigned
        }

    def assignment(self) -> Collection[Partition]:
        return frozenset(self.assigned)
