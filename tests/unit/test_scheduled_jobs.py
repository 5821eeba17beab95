"""Scheduled jobs in the consumer loop, on the in-memory broker and database, with a clock that
the tests move (no sleeping for a period)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncSession

from shared.jobs import Job, JobScheduler
from shared.metrics import ConsumerMetrics
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Route, Work
from tests.fakes.broker import FakeCluster
from tests.fakes.loop import ManualClock, start, until
from tests.fakes.store import MemoryDatabase, MemoryStore

HOUR = timedelta(hours=1)


class Sweep:
    """A job that reports the ``now`` it was given, and whether a batch was in flight."""

    def __init__(self) -> None:
        self.runs: list[datetime] = []
        self.batch_in_flight = False
        self.overlapped = False
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.failures = 0

    async def __call__(self, session: AsyncSession, now: datetime) -> Sequence[OutgoingRecord]:
        self.entered.set()
        self.overlapped |= self.batch_in_flight
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the job's own bug")
        self.runs.append(now)
        return [OutgoingRecord(topic="swept", key="job", value=now.isoformat().encode())]


def scheduler(
    job: Job, database: MemoryDatabase, clock: ManualClock
) -> tuple[JobScheduler, CollectorRegistry]:
    registry = CollectorRegistry()
    return (
        JobScheduler(
            [job],
            service="svc",
            store=MemoryStore(database),
            clock=clock,
            metrics=ConsumerMetrics("svc", registry),
        ),
        registry,
    )


async def test_a_due_job_runs_between_batches_and_publishes_through_the_outbox() -> None:
    cluster, database, clock, sweep = FakeCluster(), MemoryDatabase(), ManualClock(), Sweep()

    async def handle(work: Work, items: Sequence[Delivery[bytes]]) -> list[OutgoingRecord]:
        sweep.batch_in_flight = True
        await asyncio.sleep(0.002)
        sweep.batch_in_flight = False
        return []

    instance = start(
        [Route("in", bytes, handle)],
        cluster=cluster,
        database=database,
        jobs=[Job("sweep", HOUR, sweep)],
        clock=clock,
    )
    await until(lambda: len(sweep.runs) == 1, what="the first run")
    for n in range(20):
        cluster.produce("in", f"k{n}", b"x")
    clock.advance(HOUR)
    await until(lambda: len(sweep.runs) == 2, what="the second run")
    assert sweep.runs == [clock.now - HOUR, clock.now]
    assert cluster.values("swept") == [r.isoformat().encode() for r in sweep.runs]
    assert not sweep.overlapped
    labels = {"scheduled_job": "sweep", "outcome": "success"}
    assert instance.metric("boucle_svc_job_runs_total", labels) == 2
    last_success = instance.metric(
        "boucle_svc_job_last_success_timestamp_seconds", {"scheduled_job": "sweep"}
    )
    assert last_success == clock.now.timestamp()
    await instance.finish()


async def test_after_downtime_a_job_runs_once_with_the_time_it_is_now() -> None:
    database, clock, sweep = MemoryDatabase(), ManualClock(), Sweep()
    jobs, _ = scheduler(Job("sweep", HOUR, sweep), database, clock)
    assert await jobs.run_due() == 1
    clock.advance(timedelta(minutes=30))
    assert await jobs.run_due() == 0  # not due yet
    clock.advance(5 * HOUR)  # the service was down for hours: one catch-up run, not five
    restarted, _ = scheduler(Job("sweep", HOUR, sweep), database, clock)
    assert await restarted.run_due() == 1
    assert await restarted.run_due() == 0
    assert sweep.runs == [clock.now - timedelta(hours=5, minutes=30), clock.now]


async def test_of_two_instances_one_runs_a_job_and_the_other_skips_it() -> None:
    database, clock, sweep = MemoryDatabase(), ManualClock(), Sweep()
    job = Job("sweep", HOUR, sweep)
    (first, first_metrics), (second, second_metrics) = (
        scheduler(job, database, clock),
        scheduler(job, database, clock),
    )
    sweep.gate = asyncio.Event()
    running = asyncio.create_task(first.run_due())
    await sweep.entered.wait()
    assert await second.run_due() == 0  # the first holds the lock
    sweep.gate.set()
    assert await running == 1
    clock.advance(timedelta(minutes=45))
    assert await second.run_due() == 0  # the first ran it 45 minutes ago: not due
    assert sweep.runs == [clock.now - timedelta(minutes=45)]
    assert (
        second_metrics.get_sample_value(
            "boucle_svc_job_runs_total", {"scheduled_job": "sweep", "outcome": "busy"}
        )
        == 1
    )
    assert (
        first_metrics.get_sample_value(
            "boucle_svc_job_runs_total", {"scheduled_job": "sweep", "outcome": "success"}
        )
        == 1
    )


async def test_a_failing_job_is_counted_retried_and_its_output_never_published() -> None:
    database, clock, sweep = MemoryDatabase(), ManualClock(), Sweep()
    sweep.failures = 1
    jobs, registry = scheduler(Job("sweep", HOUR, sweep), database, clock)
    assert await jobs.run_due() == 0
    assert database.outbox == []
    assert await jobs.run_due() == 0  # it waits before trying again
    clock.advance(timedelta(seconds=30))
    assert await jobs.run_due() == 1
    assert [r.value for r in database.outbox] == [clock.now.isoformat().encode()]
    assert (
        registry.get_sample_value(
            "boucle_svc_job_runs_total", {"scheduled_job": "sweep", "outcome": "failure"}
        )
        == 1
    )


async def test_every_instance_reports_the_period_and_the_last_success_of_any_instance() -> None:
    """What the "job not succeeding" alert compares: a job's last success, whichever instance
    ran it, against its period."""
    database, clock, sweep = MemoryDatabase(), ManualClock(), Sweep()
    job = Job("sweep", HOUR, sweep)
    (first, _), (second, second_metrics) = (
        scheduler(job, database, clock),
        scheduler(job, database, clock),
    )
    labels = {"scheduled_job": "sweep"}
    assert second_metrics.get_sample_value("boucle_svc_job_period_seconds", labels) == 3600
    assert await first.run_due() == 1
    ran_at = clock.now
    clock.advance(timedelta(minutes=10))
    assert await second.run_due() == 0  # not due: the first ran it
    last = second_metrics.get_sample_value("boucle_svc_job_last_success_timestamp_seconds", labels)
    assert last == ran_at.timestamp()
