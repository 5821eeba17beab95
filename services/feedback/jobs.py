"""The feedback service's scheduled jobs (shared/jobs.py runs them between batches, each in
its own transaction, publishing through the outbox).

- ``sla``: warnings and escalations of the cases with an SLA level due (``next_due_at <= now``,
  an indexed query), at ``now``, so after downtime each case gets the level it reached, once.
- ``trends``: spike alerts for the complete days and weeks of the last ``trends_lookback``,
  each raised once (the alerts table remembers them), so a window missed while the service was
  down is still alerted and a rerun sends nothing twice.
- ``gauges``: the open-cases gauge.
- ``relay``: nothing to do itself; its success makes the loop publish the outbox, where the case
  API stages its events, so they leave within a couple of seconds even when no batch arrives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.consumer.book import CaseBook
from services.feedback.consumer.context import Feedback
from services.feedback.counting import weekly_volumes
from services.feedback.lifecycle import escalate
from services.feedback.repository import cases, counts
from services.feedback.settings import FeedbackJobs
from services.feedback.sla import due
from services.feedback.trends import WEEK, daily_spikes, weekly, weekly_spikes
from services.feedback.wire import alert_outputs, alert_record
from shared.jobs import Job
from shared.producer import OutgoingRecord

DUE_LIMIT = 5_000  # cases per run: a longer backlog is taken on by the next runs


class SlaJob:
    def __init__(self, feedback: Feedback) -> None:
        self._feedback = feedback

    async def __call__(self, session: AsyncSession, now: datetime) -> list[OutgoingRecord]:
        policy = self._feedback.policy.sla
        loaded = await cases.due(session, now, limit=DUE_LIMIT)
        dues = defaultdict(list)
        for item in due(loaded, now, policy=policy):
            dues[item.case_id].append(item)
        book = CaseBook.of(loaded)
        for case in loaded:
            book.apply(escalate(case, dues[case.case_id], at=now))
        # Cases loaded with nothing due (the policy changed since) are written again too, so
        # their next_due_at is recomputed and they stop being loaded.
        await cases.save(session, [c for c in loaded if c.case_id not in dues], policy=policy)
        records, out = await self._feedback.write_cases(session, book)
        self._feedback.metrics.case_events(records)
        return out


class TrendsJob:
    def __init__(self, feedback: Feedback, *, alerts_topic: str, lookback: timedelta) -> None:
        self._feedback = feedback
        self._topic = alerts_topic
        self._lookback = lookback

    async def __call__(self, session: AsyncSession, now: datetime) -> list[OutgoingRecord]:
        policy = self._feedback.policy.spikes
        days = complete_days(now, lookback=self._lookback)
        weeks = complete_weeks(days)
        start = min([days[0], *weeks]) - WEEK * policy.baseline_weeks
        rows = await counts.theme_counts(session, start, days[-1])
        volumes = await counts.daily_volumes(session, start, days[-1])
        found = [
            alert_record(alert, period="day")
            for day in days
            for alert in daily_spikes(rows, day=day, policy=policy, volumes=volumes)
        ]
        per_week, by_week = weekly(rows), weekly_volumes(volumes)
        found += [
            alert_record(alert, period="week")
            for week in weeks
            for alert in weekly_spikes(per_week, week=week, policy=policy, volumes=by_week)
        ]
        raised = await counts.claim_alerts(session, found, at=now)
        for alert in raised:
            self._feedback.metrics.spikes.labels(alert.kind, alert.window).inc()
        return alert_outputs(raised, topic=self._topic)


def complete_days(now: datetime, *, lookback: timedelta) -> list[date]:
    """The UTC days before today within the lookback, oldest first."""
    today = now.astimezone(UTC).date()
    count = max(1, lookback.days)
    return [today - timedelta(days=back) for back in range(count, 0, -1)]


def complete_weeks(days: Sequence[date]) -> list[date]:
    """Mondays of the ISO weeks that end within ``days``."""
    return [day - timedelta(days=6) for day in days if day.weekday() == 6]


class GaugesJob:
    def __init__(self, feedback: Feedback) -> None:
        self._feedback = feedback

    async def __call__(self, session: AsyncSession, now: datetime) -> list[OutgoingRecord]:
        found = await cases.open_by_priority(session)
        for priority in (1, 2, 3):
            self._feedback.metrics.open_cases.labels(str(priority)).set(found.get(priority, 0))
        return []


async def relay(session: AsyncSession, now: datetime) -> list[OutgoingRecord]:
    return []


def feedback_jobs(feedback: Feedback, *, periods: FeedbackJobs, alerts_topic: str) -> list[Job]:
    trends = TrendsJob(feedback, alerts_topic=alerts_topic, lookback=periods.trends_lookback)
    return [
        Job("sla", periods.sla_period, SlaJob(feedback)),
        Job("trends", periods.trends_period, trends),
        Job("gauges", periods.gauges_period, GaugesJob(feedback)),
        Job("relay", periods.relay_period, relay),
    ]
