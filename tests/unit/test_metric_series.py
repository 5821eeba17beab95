"""Counters whose labels are known at start exist at 0 from the start: Prometheus takes a
series' first sample as its beginning, so a counter first scraped at 500 would show no rate for
the batch that made it (and increase() would miss a first burst of failures)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession

from services.collector.metrics import CollectorMetrics
from shared.jobs import Job, JobScheduler
from shared.metrics import ConsumerMetrics
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Route, Work
from tests.fakes.broker import FakeCluster
from tests.fakes.loop import ManualClock, start
from tests.fakes.store import MemoryDatabase, MemoryStore


async def handle(work: Work, items: Sequence[Delivery[bytes]]) -> list[OutgoingRecord]:
    return []


async def nothing(session: AsyncSession, now: object) -> list[OutgoingRecord]:
    return []


def sample(registry: CollectorRegistry, name: str, labels: dict[str, str]) -> float | None:
    return registry.get_sample_value(name, labels)


async def test_a_consumer_counts_each_of_its_topics_from_zero_before_any_record() -> None:
    instance = start(
        [Route("in", bytes, handle), Route("other", bytes, handle)],
        cluster=FakeCluster(),
        database=MemoryDatabase(),
    )
    for topic in ("in", "other"):
        for counter in ("consumed", "processed"):
            name = f"boucle_svc_records_{counter}_total"
            assert sample(instance.registry, name, {"topic": topic}) == 0
    await instance.finish()


def test_every_outcome_of_a_scheduled_job_is_counted_from_zero() -> None:
    registry = CollectorRegistry()
    JobScheduler(
        [Job("sweep", timedelta(minutes=5), nothing)],
        service="svc",
        store=MemoryStore(MemoryDatabase()),
        clock=ManualClock(),
        metrics=ConsumerMetrics("svc", registry),
    )
    for outcome in ("success", "failure", "busy", "not_due"):
        labels = {"scheduled_job": "sweep", "outcome": outcome}
        assert sample(registry, "boucle_svc_job_runs_total", labels) == 0


def test_the_collector_counts_every_kind_and_type_from_zero() -> None:
    registry = CollectorRegistry()
    CollectorMetrics(registry)
    for kind in ("single", "batch", "pixel"):
        assert sample(registry, "boucle_collector_events_received_total", {"kind": kind}) == 0
    for event_type in ("track", "page", "screen", "identify", "group", "alias"):
        labels = {"type": event_type}
        assert sample(registry, "boucle_collector_events_accepted_total", labels) == 0
