"""Runs the real consumer loop on the fakes: a cluster, a memory database, a clock you move."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from shared.consumer import BatchConsumer, LoopParts
from shared.jobs import Job
from shared.metrics import ConsumerMetrics
from shared.routes import AnyRoute
from shared.settings import ConsumerSettings, DeadLetterSettings
from tests.fakes.broker import FakeBroker, FakeCluster
from tests.fakes.store import MemoryDatabase, MemoryStore

DEAD_LETTERS = "dead-letters"


def fast_settings(group: str = "g", **changes: object) -> ConsumerSettings:
    values: dict[str, object] = {
        "group_id": group,
        "poll_timeout_ms": 5,
        "retry_budget_s": 5.0,
        "retry_initial_backoff_s": 0.001,
        "retry_max_backoff_s": 0.01,
        "dead_letters": DeadLetterSettings(max_dead_letters=1000, window_records=1000),
        **changes,
    }
    return ConsumerSettings.model_validate(values)


@dataclass
class ManualClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Instance:
    consumer: BatchConsumer
    broker: FakeBroker
    registry: CollectorRegistry
    stop: asyncio.Event
    task: asyncio.Task[None]

    def metric(self, name: str, labels: dict[str, str] | None = None) -> float:
        return self.registry.get_sample_value(name, labels or {}) or 0.0

    async def finish(self) -> None:
        self.stop.set()
        await self.task


def start(
    routes: Sequence[AnyRoute],
    *,
    cluster: FakeCluster,
    database: MemoryDatabase,
    settings: ConsumerSettings | None = None,
    jobs: Sequence[Job] = (),
    clock: Callable[[], datetime] | None = None,
) -> Instance:
    """One instance of a service: its own broker member and store, the shared cluster and db."""
    settings = settings or fast_settings()
    registry = CollectorRegistry()
    broker = cluster.member(settings.group_id)
    consumer = BatchConsumer(
        routes,
        LoopParts(
            broker=broker,
            store=MemoryStore(database),
            sink=cluster,
            metrics=ConsumerMetrics("svc", registry),
            clock=clock or ManualClock(),
        ),
        service="svc",
        dead_letter_topic=DEAD_LETTERS,
        settings=settings,
        jobs=jobs,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    return Instance(consumer, broker, registry, stop, task)


async def until(check: Callable[[], bool], *, timeout_s: float = 5.0, what: str = "it") -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)
