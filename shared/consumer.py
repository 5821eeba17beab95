"""The one consumer loop every consuming service runs.

fetch a batch → decode (what fails goes to the dead-letter topic with the reason) → the service's
handler inside ONE database transaction, which also writes the records to emit into the
service's outbox → commit → publish the outbox to Kafka → commit offsets.

A crash anywhere before the offset commit means the batch is delivered again; handlers are
idempotent (an event applied once changes nothing the second time), so nothing is doubled, and
only committed state is ever published (see shared/outbox.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import outbox
from shared.database import is_transient
from shared.errors import BadRecord, DependencyDown
from shared.metrics import ConsumerMetrics
from shared.outbox import OutboxRelay
from shared.producer import OutgoingRecord, RecordSink, dead_letter
from shared.settings import ConsumerSettings, KafkaSettings

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)
Batch = dict[TopicPartition, list[ConsumerRecord]]


@dataclass(frozen=True, slots=True)
class Delivery(Generic[T_co]):
    """A decoded record and where it came from."""

    value: T_co
    topic: str
    partition: int
    offset: int


class BatchHandler(Protocol[T_contra]):
    """Applies decoded records to the database; returns the records to emit downstream."""

    async def __call__(
        self, session: AsyncSession, items: Sequence[Delivery[T_contra]], /
    ) -> Sequence[OutgoingRecord]: ...


@dataclass(frozen=True, slots=True)
class ConsumerWiring(Generic[T]):
    """What a service plugs into the loop: how to read its topic and what to do with it."""

    topics: Sequence[str]
    decode: Callable[[bytes], T]
    handle: BatchHandler[T]
    dead_letter_topic: str
    outbox: Table


class _FinishInFlight(ConsumerRebalanceListener):  # type: ignore[misc]  # untyped base
    """Holds a revocation until the batch being processed has committed its offsets."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        async with self._lock:
            log.info("partitions revoked", extra={"partitions": [str(tp) for tp in revoked]})

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        log.info("partitions assigned", extra={"partitions": [str(tp) for tp in assigned]})


class BatchConsumer(Generic[T]):
    def __init__(
        self,
        wiring: ConsumerWiring[T],
        producer: RecordSink,
        *,
        sessions: async_sessionmaker[AsyncSession],
        kafka: KafkaSettings,
        settings: ConsumerSettings,
        metrics: ConsumerMetrics,
    ) -> None:
        self._wiring = wiring
        self._producer = producer
        self._sessions = sessions
        self._kafka = kafka
        self._settings = settings
        self._metrics = metrics
        self._lock = asyncio.Lock()
        self._relay = OutboxRelay(wiring.outbox, sessions, producer)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; the batch in flight then finishes and commits."""
        consumer = self._build_consumer()
        consumer.subscribe(list(self._wiring.topics), listener=_FinishInFlight(self._lock))
        try:
            await consumer.start()
        except KafkaError as exc:
            await consumer.stop()
            raise DependencyDown("kafka", repr(exc)) from exc
        try:
            await self._retrying(self._publish)  # what a crash left committed but unsent
            while not stop.is_set():
                batch = await consumer.getmany(
                    timeout_ms=self._settings.poll_timeout_ms,
                    max_records=self._settings.max_records,
                )
                if batch:
                    async with self._lock:
                        await self.process(batch)
                        await self._commit(consumer, batch)
                await self._report_lag(consumer)
        finally:
            await consumer.stop()

    def _build_consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self._kafka.bootstrap_servers,
            client_id=f"{self._kafka.client_id}-{self._settings.group_id}",
            group_id=self._settings.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )

    async def process(self, batch: Batch) -> None:
        """Decode, handle and emit one batch inside one transaction, retrying transient failures."""
        started = time.perf_counter()
        records = [record for records in batch.values() for record in records]
        for record in records:
            self._metrics.consumed.labels(record.topic).inc()
        items, dead = self._decode(records)
        await self._retrying(lambda: self._transact(items, dead))
        await self._retrying(self._publish)
        for topic in {record.topic for record in records}:
            handled = sum(1 for record in records if record.topic == topic)
            self._metrics.processed.labels(topic).inc(handled)
        self._metrics.batch_duration.observe(time.perf_counter() - started)

    def _decode(
        self, records: Sequence[ConsumerRecord]
    ) -> tuple[list[Delivery[T]], list[OutgoingRecord]]:
        items: list[Delivery[T]] = []
        dead: list[OutgoingRecord] = []
        for record in records:
            try:
                if record.value is None:
                    raise BadRecord("record has no value")
                value = self._wiring.decode(record.value)
                items.append(Delivery(value, record.topic, record.partition, record.offset))
            except BadRecord as exc:
                dead.append(self._dead_letter(record, exc.message))
                self._metrics.dead_lettered.labels(record.topic, exc.code).inc()
        return items, dead

    def _dead_letter(self, record: ConsumerRecord, reason: str) -> OutgoingRecord:
        origin = (
            ("origin-topic", record.topic),
            ("origin-partition", str(record.partition)),
            ("origin-offset", str(record.offset)),
            ("consumer-group", self._settings.group_id),
        )
        key = record.key.decode(errors="replace") if record.key else f"{record.topic}"
        return dead_letter(
            topic=self._wiring.dead_letter_topic,
            key=key,
            reason=reason,
            payload=record.value or b"",
            origin=origin,
        )

    async def _transact(self, items: Sequence[Delivery[T]], dead: Sequence[OutgoingRecord]) -> None:
        async with self._sessions() as session, session.begin():
            outputs = await self._wiring.handle(session, items) if items else ()
            await outbox.stage(session, self._wiring.outbox, [*dead, *outputs])

    async def _publish(self) -> None:
        for output in await self._relay.flush():
            self._metrics.emitted.labels(output.topic).inc()

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                lag = max(0, highwater - await consumer.position(tp))
                self._metrics.lag.labels(tp.topic, str(tp.partition)).set(lag)

    async def _commit(self, consumer: AIOKafkaConsumer, batch: Batch) -> None:
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items() if records}
        try:
            await self._retrying(lambda: consumer.commit(offsets))
        except CommitFailedError:
            # The partitions moved to another member, which will redeliver from the last
            # committed offset; our writes are idempotent, so that is harmless.
            log.warning("offset commit refused after a rebalance; batch will be redelivered")

    async def _retrying(self, attempt: Callable[[], Awaitable[None]]) -> None:
        deadline = time.monotonic() + self._settings.retry_budget_s
        backoff = self._settings.retry_initial_backoff_s
        while True:
            try:
                await attempt()
                return
            except Exception as exc:
                dependency = transient_dependency(exc)
                if dependency is None or time.monotonic() + backoff > deadline:
                    raise
                log.warning(
                    "transient failure, retrying",
                    extra={"dependency": dependency, "error": repr(exc)},
                )
                self._metrics.retries.labels(dependency).inc()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._settings.retry_max_backoff_s)


def transient_dependency(exc: BaseException) -> str | None:
    """Which dependency a failure came from, when a retry can cure it; None for bugs."""
    if isinstance(exc, DependencyDown):
        return exc.dependency
    if isinstance(exc, CommitFailedError):
        return None
    if isinstance(exc, KafkaError):
        return "kafka"
    if is_transient(exc):
        return "postgres"
    return None
