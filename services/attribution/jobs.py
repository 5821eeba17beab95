"""The attribution's scheduled jobs, run by the consumer loop between batches (shared/jobs.py).

* ``refit``: re-solve every fitted model from its counts; store the fit when its scores changed.
* ``restate-fitted``: restate, a chunk per run, the conversions whose weights the current fit
  moved past the tolerance (decided per earlier fit and channel set, never per conversion).
* ``null-paths``: recompute persons whose pending paths have become non-converting.
* ``settings-walk``: after a change of models, parameters, lookback or CRM stages, recompute
  every person, a chunk per run, from where the last run stopped.
* ``rollups``: rebuild from the daily rows the monthly rollups of the months new rates (or a
  new reporting currency) convert anew, a few months per run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.fitting import counts_from, fit_id_of, moved
from services.attribution.lines import FitView
from services.attribution.lineup import FittedEntry
from services.attribution.metrics import AttributionMetrics
from services.attribution.repository import fits, rollups
from services.attribution.restating import Restater
from services.attribution.settings import FittingSettings, JobSettings
from shared.jobs import Job
from shared.producer import OutgoingRecord


class AttributionJobs:
    def __init__(
        self,
        restater: Restater,
        *,
        fitting: FittingSettings,
        settings: JobSettings,
        metrics: AttributionMetrics,
    ) -> None:
        self._restater = restater
        self._lineup = restater.lineup
        self._fitting = fitting
        self._settings = settings
        self._metrics = metrics

    def jobs(self) -> list[Job]:
        every = timedelta(seconds=1)
        listed = [
            Job("null-paths", every * self._settings.null_paths_period_s, self.null_paths),
            Job("settings-walk", every * self._settings.settings_walk_period_s, self.walk),
            Job("rollups", every * self._settings.rollups_period_s, self.rollups),
        ]
        if self._lineup.fitted:
            listed += [
                Job("refit", every * self._fitting.period_s, self.refit),
                Job("restate-fitted", every * self._fitting.restate_period_s, self.restate),
            ]
        return listed

    async def refit(self, session: AsyncSession, now: datetime) -> Sequence[OutgoingRecord]:
        for entry in self._lineup.fitted:
            await self._refit(session, entry, now=now)
        return []

    async def _refit(self, session: AsyncSession, entry: FittedEntry, *, now: datetime) -> None:
        counts = counts_from(await fits.counts_of(session, entry.key))
        started = time.perf_counter()
        fit = entry.model.fit(counts)  # type: ignore[arg-type]  # keys are the model's own
        seconds = time.perf_counter() - started
        self._metrics.fit_seconds.labels(entry.name).observe(seconds)
        self._metrics.fit_channels.labels(entry.name).set(len(fit.scores))
        view = FitView(fit_id_of(entry.key, fit), fit)
        current = (await fits.current_fits(session, [entry.key])).get(entry.key)
        if current is None or current.fit_id != view.fit_id:
            await fits.save_fit(session, view, model_key=entry.key, at=now, solve_ms=seconds * 1e3)
            self._metrics.fits_changed.labels(entry.name).inc()
        await fits.prune_fits(session, model_key=entry.key, keep=view.fit_id)

    async def restate(self, session: AsyncSession, now: datetime) -> Sequence[OutgoingRecord]:
        budget = self._fitting.restate_chunk
        persons: set[str] = set()
        current = await fits.current_fits(session, [e.key for e in self._lineup.fitted])
        for entry in self._lineup.fitted:
            if entry.key in current:
                budget -= await self._moved(session, entry, current[entry.key], budget, persons)
        return await self._restater.restate(session, persons, now=now, reason="fit")

    async def _moved(
        self,
        session: AsyncSession,
        entry: FittedEntry,
        now_fit: FitView,
        budget: int,
        into: set[str],
    ) -> int:
        """Adds to ``into`` the persons of up to ``budget`` moved conversions; returns how many."""
        groups = await fits.earlier_fit_groups(
            session, model=entry.name, model_key=entry.key, current=now_fit.fit_id
        )
        earlier = await fits.fits_by_id(session, {g.fit_id for g in groups if g.fit_id})
        tolerance = self._fitting.tolerance
        due = [
            g
            for g in groups
            if moved(earlier.get(g.fit_id), now_fit.fit, g.channel_set, tolerance=tolerance)
        ]
        self._metrics.restatement_backlog.labels(entry.name).set(sum(g.conversions for g in due))
        taken = 0
        for group in due:
            if taken >= budget:
                break
            pairs = await fits.persons_weighed_by(
                session, model=entry.name, group=group, limit=budget - taken
            )
            into.update(person for _, person in pairs)
            taken += len(pairs)
        return taken

    async def null_paths(self, session: AsyncSession, now: datetime) -> Sequence[OutgoingRecord]:
        result = await session.execute(
            text(
                "SELECT person_id FROM attribution.persons WHERE null_due < :now "
                "ORDER BY null_due LIMIT :limit"
            ),
            {"now": now, "limit": self._settings.null_paths_chunk},
        )
        persons = list(result.scalars())
        return await self._restater.restate(session, persons, now=now, reason="null_paths")

    async def rollups(self, session: AsyncSession, now: datetime) -> Sequence[OutgoingRecord]:
        """Rebuilds a few months' rollups from their days: costs changed, rates imported, the
        reporting currency changed."""
        money = self._restater.money
        credits, costs = await rollups.to_rebuild(
            session, money=money, limit=self._settings.rollup_months
        )
        for month in credits:
            await rollups.rebuild_credit_month(session, month, money=money)
        for month in costs:
            await rollups.rebuild_cost_month(session, month, money=money)
        return []

    async def walk(self, session: AsyncSession, now: datetime) -> Sequence[OutgoingRecord]:
        """One chunk of the restatement after a change of settings; nothing once it is done."""
        records, done = await walk_chunk(
            session, self._restater, now=now, chunk=self._settings.settings_walk_chunk
        )
        self._metrics.walk_persons.inc(done)
        return records


async def walk_chunk(
    session: AsyncSession, restater: Restater, *, now: datetime, chunk: int
) -> tuple[list[OutgoingRecord], int]:
    """Restates the next ``chunk`` persons of the walk for the configured settings; returns the
    credits to emit and how many persons it restated (0 once the walk is done)."""
    key = restater.lineup.settings_key
    await session.execute(
        text(
            "INSERT INTO attribution.walks (settings_key, cursor, persons, started_at) "
            "VALUES (:key, '', 0, :now) ON CONFLICT (settings_key) DO NOTHING"
        ),
        {"key": key, "now": now},
    )
    row = (
        await session.execute(
            text(
                "SELECT cursor, finished_at FROM attribution.walks WHERE settings_key = :key "
                "FOR UPDATE"
            ),
            {"key": key},
        )
    ).one()
    if row.finished_at is not None:
        return [], 0
    persons = list(
        (
            await session.execute(
                text(
                    "SELECT person_id FROM attribution.persons WHERE person_id > :cursor "
                    "ORDER BY person_id LIMIT :limit"
                ),
                {"cursor": row.cursor, "limit": chunk},
            )
        ).scalars()
    )
    records = await restater.restate(session, persons, now=now, reason="settings")
    await session.execute(
        text(
            "UPDATE attribution.walks SET cursor = :cursor, persons = persons + :done, "
            "finished_at = :finished WHERE settings_key = :key"
        ),
        {
            "key": key,
            "cursor": persons[-1] if persons else row.cursor,
            "done": len(persons),
            "finished": now if len(persons) < chunk else None,
        },
    )
    return records, len(persons)
