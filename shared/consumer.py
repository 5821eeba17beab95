"""The one consumer loop every consuming service runs.

fetch a batch → decode each record with its topic's decoder → the topics' handlers inside ONE
database transaction, which also stages what they emit (and the dead letters) in the service's
outbox → commit → publish the outbox → commit offsets. Between batches, the scheduled jobs that
are due run, each in its own transaction, never beside a batch.

A crash anywhere before the offset commit means the batch is delivered again; handlers are
idempotent, so nothing is doubled, and only committed state is ever published (shared/outbox.py).

A record that cannot be applied because of what it contains (shared/poison.py) is isolated: the
batch is applied again in halves, each in a savepoint, until the failing record stands alone; it
goes to the dead-letter topic and the rest commits. Order within the batch is kept. A dependency
outage is retried with backoff; anything else is a bug and stops the process without committing.
Past the dead-letter limit (shared/deadletters.py) the consumer halts without committing, and
says why in its log, its readiness and its metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field

from shared.broker import Broker, CommitRefused, Fetched, Partition, Record
from shared.deadletters import DeadLetterLimit, DeadLetterLimitExceeded, Rejection, dead_letter_of
from shared.jobs import Clock, Job, JobScheduler
from shared.metrics import ConsumerMetrics
from shared.poison import PoisonRecord, content_failure
from shared.producer import OutgoingRecord, RecordSink
from shared.retry import Retrying
from shared.routes import AnyRoute, Delivery, Work
from shared.settings import ConsumerSettings
from shared.store import Store, Transaction

log = logging.getLogger(__name__)

Item = tuple[AnyRoute, Delivery[object]]
RevokeHook = Callable[[Collection[Partition]], Awaitable[None]]


@dataclass
class Applied:
    """What applying some of a batch produced."""

    outputs: list[OutgoingRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    committed: list[Callable[[], None]] = field(default_factory=list)

    def extend(self, other: Applied) -> Applied:
        self.outputs.extend(other.outputs)
        self.rejected.extend(other.rejected)
        self.committed.extend(other.committed)
        return self


@dataclass(frozen=True, slots=True)
class LoopParts:
    """Where the loop reads, writes and reports; all injected, so tests swap in fakes."""

    broker: Broker
    store: Store
    sink: RecordSink
    metrics: ConsumerMetrics
    clock: Clock


class BatchConsumer:
    def __init__(
        self,
        routes: Sequence[AnyRoute],
        parts: LoopParts,
        *,
        service: str,
        dead_letter_topic: str,
        settings: ConsumerSettings,
        jobs: Sequence[Job] = (),
        on_revoked: RevokeHook | None = None,
    ) -> None:
        topics = [route.topic for route in routes]
        if len(set(topics)) != len(topics):
            raise ValueError(f"one route per topic: {topics}")
        self._routes = {route.topic: route for route in routes}
        self._parts = parts
        self._service = service
        self._dead_letter_topic = dead_letter_topic
        self._settings = settings
        self._metrics = parts.metrics
        self._metrics.expect_topics(topics)
        self._on_revoked = on_revoked
        self._lock = asyncio.Lock()
        self._limit = DeadLetterLimit(
            max_dead_letters=settings.dead_letters.max_dead_letters,
            window_records=settings.dead_letters.window_records,
        )
        self._jobs = JobScheduler(
            jobs, service=service, store=parts.store, clock=parts.clock, metrics=parts.metrics
        )
        self._retry = Retrying(settings, metrics=parts.metrics)
        self._newest: dict[Partition, int] = {}  # timestamp (ms) of the newest record applied
        self.halted: str | None = None

    def ready(self) -> bool:
        return self.halted is None

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; the batch in flight then finishes and commits."""
        broker = self._parts.broker
        await broker.start(list(self._routes), listener=self)
        try:
            await self._retry.run(self._publish)  # what a crash left committed but unsent
            while not stop.is_set():
                fetched = await broker.fetch(
                    timeout_ms=self._settings.poll_timeout_ms,
                    max_records=self._settings.max_records,
                )
                async with self._lock:
                    if fetched:
                        await self.process(fetched)
                        await self._commit(fetched)
                    if await self._jobs.run_due():
                        await self._retry.run(self._publish)
                await self._report_lag()
        except DeadLetterLimitExceeded as exc:
            self._halt(str(exc))
        finally:
            await broker.stop()
        # Halted: stay up without consuming, so readiness and metrics can say why.
        await stop.wait()

    def _halt(self, reason: str) -> None:
        self.halted = reason
        self._metrics.halted.set(1)
        log.error("consumer halted by the dead-letter limit", extra={"reason": reason})

    async def on_revoked(self, partitions: Collection[Partition]) -> None:
        async with self._lock:  # the batch in flight commits before the partitions move
            log.info("partitions revoked", extra={"partitions": [str(p) for p in partitions]})
            for partition in partitions:
                self._newest.pop(partition, None)
            if self._on_revoked is not None:
                await self._on_revoked(partitions)

    async def on_assigned(self, partitions: Collection[Partition]) -> None:
        log.info("partitions assigned", extra={"partitions": [str(p) for p in partitions]})

    async def process(self, fetched: Fetched) -> None:
        """Decode, apply and emit one batch inside one transaction; retry transient failures."""
        started = time.perf_counter()
        records = [record for batch in fetched.values() for record in batch]
        for record in records:
            self._metrics.consumed.labels(record.topic).inc()
        self._metrics.batch_records.observe(len(records))
        with self._timed("decode"):
            items, undecodable = self._decode(records)
        applied = await self._retry.run(lambda: self._transact(records, items, undecodable))
        for callback in applied.committed:
            callback()
        self._count(records, applied.rejected)
        if applied.outputs or applied.rejected:  # else the outbox holds nothing of this batch
            with self._timed("publish"):
                await self._retry.run(self._publish)
        self._metrics.batch_duration.observe(time.perf_counter() - started)

    def _decode(self, records: Sequence[Record]) -> tuple[list[Item], list[Rejection]]:
        items: list[Item] = []
        rejected: list[Rejection] = []
        for record in records:
            route = self._routes.get(record.topic)
            try:
                if route is None:
                    raise PoisonRecord(record, f"no route for topic {record.topic}", code="route")
                items.append((route, Delivery(_read(route, record), record)))
            except Exception as exc:
                failure = content_failure(exc)
                if failure is None:
                    raise
                rejected.append(Rejection(record, *failure))
        return items, rejected

    async def _transact(
        self, records: Sequence[Record], items: list[Item], undecodable: list[Rejection]
    ) -> Applied:
        try:
            return await self._transact_once(records, items, undecodable, isolate=False)
        except Exception as exc:
            if content_failure(exc) is None:
                raise
            log.warning(
                "a record of the batch cannot be applied; isolating it",
                extra={"error": repr(exc)[:500]},
            )
        return await self._transact_once(records, items, undecodable, isolate=True)

    async def _transact_once(
        self,
        records: Sequence[Record],
        items: list[Item],
        undecodable: list[Rejection],
        *,
        isolate: bool,
    ) -> Applied:
        applied = Applied(rejected=list(undecodable))
        async with self._parts.store.transaction() as tx:
            with self._timed("apply"):
                if items:
                    done = await (self._isolate(tx, items) if isolate else self._apply(tx, items))
                    applied.extend(done)
            self._limit.check(records=len(records), dead=len(applied.rejected))
            dead = [
                dead_letter_of(
                    rejection,
                    topic=self._dead_letter_topic,
                    service=self._service,
                    group=self._settings.group_id,
                )
                for rejection in applied.rejected
            ]
            await tx.stage([*dead, *applied.outputs])
        self._limit.admit(records=len(records), dead=len(applied.rejected))
        return applied

    async def _apply(self, tx: Transaction, items: Sequence[Item]) -> Applied:
        """Every route's handler over its part of ``items``, in route order."""
        work = Work(
            tx=tx,
            now=self._parts.clock(),
            observe_stage=self._observe_stage,
            observe_rows=self._observe_rows,
        )
        outputs: list[OutgoingRecord] = []
        for route in self._routes.values():
            deliveries = [delivery for owner, delivery in items if owner is route]
            if deliveries:
                outputs.extend(await route.handle(work, deliveries))
        rejected = [Rejection(record, reason, code) for record, reason, code in work.rejected]
        return Applied(outputs=outputs, rejected=rejected, committed=work.committed)

    async def _isolate(self, tx: Transaction, items: Sequence[Item]) -> Applied:
        """Applies ``items`` in a savepoint; on a content failure, in halves, down to the one
        record that fails alone, which becomes a dead letter."""
        try:
            async with tx.savepoint():
                return await self._apply(tx, items)
        except Exception as exc:
            failure = content_failure(exc)
            if failure is None:
                raise
            if isinstance(exc, PoisonRecord):
                rest = [item for item in items if item[1].record is not exc.record]
                if len(rest) < len(items):
                    applied = await self._isolate(tx, rest) if rest else Applied()
                    return applied.extend(Applied(rejected=[Rejection(exc.record, *failure)]))
            if len(items) == 1:
                return Applied(rejected=[Rejection(items[0][1].record, *failure)])
        middle = len(items) // 2
        first = await self._isolate(tx, items[:middle])
        return first.extend(await self._isolate(tx, items[middle:]))

    def _count(self, records: Sequence[Record], rejected: Sequence[Rejection]) -> None:
        for rejection in rejected:
            self._metrics.dead_lettered.labels(rejection.record.topic, rejection.code).inc()
        for record in records:
            self._metrics.processed.labels(record.topic).inc()
            self._newest[record.position] = max(
                self._newest.get(record.position, 0), record.timestamp_ms
            )

    async def _publish(self) -> None:
        for output in await self._parts.store.publish(self._parts.sink):
            self._metrics.emitted.labels(output.topic).inc()

    async def _commit(self, fetched: Fetched) -> None:
        offsets = {partition: batch[-1].offset + 1 for partition, batch in fetched.items() if batch}
        try:
            with self._timed("commit"):
                await self._retry.run(lambda: self._parts.broker.commit(offsets))
        except CommitRefused:
            # The partitions moved to another member, which will redeliver from the last
            # committed offset; our writes are idempotent, so that is harmless.
            log.warning("offset commit refused after a rebalance; batch will be redelivered")

    async def _report_lag(self) -> None:
        now_ms = self._parts.clock().timestamp() * 1000
        for partition, behind in (await self._parts.broker.lag()).items():
            labels = (partition.topic, str(partition.partition))
            self._metrics.lag.labels(*labels).set(behind)
            newest = self._newest.get(partition)
            seconds = max(0.0, (now_ms - newest) / 1000) if behind and newest else 0.0
            self._metrics.lag_seconds.labels(*labels).set(seconds)

    def _observe_stage(self, stage: str, seconds: float) -> None:
        self._metrics.stage_duration.labels(stage).observe(seconds)

    def _observe_rows(self, table: str, rows: int) -> None:
        self._metrics.rows_written.labels(table).observe(rows)

    def _timed(self, stage: str) -> _StageTimer:
        return _StageTimer(self._observe_stage, stage)


def _read(route: AnyRoute, record: Record) -> object:
    if record.value is not None:
        return route.decode(record.value)
    if route.tombstone is None:
        raise PoisonRecord(record, "record has no value", code="schema")
    return route.tombstone(record.key)


class _StageTimer:
    def __init__(self, observe: Callable[[str, float], None], stage: str) -> None:
        self._observe = observe
        self._stage = stage
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, *_: object) -> None:
        self._observe(self._stage, time.perf_counter() - self._started)
