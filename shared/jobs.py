"""Scheduled work inside the consumer loop: model re-solves, SLA escalations, trend windows.

A service declares jobs; the loop runs those that are due between batches (never beside one),
each in its own transaction whose output goes through the service's outbox like a batch's. A job
is given ``now`` from the injected clock, never a tick count, so after downtime it runs once and
catches up on everything that fell due meanwhile. With several instances of a service, one runs
a job at a time: an advisory lock taken for the transaction, and the job's row in the service's
``jobs`` table that says when it last succeeded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from shared.metrics import ConsumerMetrics
from shared.producer import OutgoingRecord
from shared.store import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
JobRun = Callable[[AsyncSession, datetime], Awaitable[Sequence[OutgoingRecord]]]
Outcome = Literal["success", "failure", "busy", "not_due"]
# After a failure, or while another instance holds the job, look again this soon at the latest.
RETRY_AFTER = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Job:
    """``run(session, now)`` returns the records to emit; it must be idempotent for one ``now``."""

    name: str
    period: timedelta
    run: JobRun


class JobScheduler:
    def __init__(
        self,
        jobs: Sequence[Job],
        *,
        service: str,
        store: Store,
        clock: Clock,
        metrics: ConsumerMetrics,
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique: {names}")
        self._jobs = tuple(jobs)
        self._service = service
        self._store = store
        self._clock = clock
        self._metrics = metrics
        self._next_look: dict[str, datetime] = {}
        for job in self._jobs:
            metrics.expect_job(job.name, period_s=job.period.total_seconds())

    @property
    def jobs(self) -> tuple[Job, ...]:
        return self._jobs

    async def run_due(self) -> int:
        """Runs every job that is due now; returns how many ran (and staged output)."""
        ran = 0
        for job in self._jobs:
            now = self._clock()
            if now < self._next_look.get(job.name, now):
                continue
            outcome = await self._attempt(job, now)
            self._metrics.job_runs.labels(job.name, outcome).inc()
            ran += outcome == "success"
        return ran

    async def _attempt(self, job: Job, now: datetime) -> Outcome:
        started = time.perf_counter()
        try:
            async with self._store.transaction() as tx:
                if not await tx.try_lock(f"{self._service}:job:{job.name}"):
                    self._next_look[job.name] = now + min(job.period, RETRY_AFTER)
                    return "busy"
                last = await tx.job_last_success(job.name)
                if last is not None:
                    self._metrics.job_last_success.labels(job.name).set(last.timestamp())
                if last is not None and now < last + job.period:
                    self._next_look[job.name] = last + job.period
                    return "not_due"
                await tx.stage(await job.run(tx.session, now))
                await tx.job_succeeded(job.name, at=now)
        except Exception as exc:
            # A failing job must not stop the stream: it is counted, logged and tried again.
            log.exception("scheduled job failed", extra={"job": job.name, "error": repr(exc)})
            self._next_look[job.name] = now + min(job.period, RETRY_AFTER)
            return "failure"
        self._next_look[job.name] = now + job.period
        self._metrics.job_duration.labels(job.name).observe(time.perf_counter() - started)
        self._metrics.job_last_success.labels(job.name).set(now.timestamp())
        return "success"
