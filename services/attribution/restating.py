"""Recomputes persons, set-based: the one path every change takes (a batch, a fit, a job).

Load everything the persons need with one query per table, compute each person in memory
(person.py), compare with what is stored (diffs.py), write the differences with one statement per
table, and return the credits to emit. Persons who share a deal are recomputed together, so a
deal's outcome is decided once, from all of its conversions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.diffs import Changes, Emitted, changes_of
from services.attribution.journeys import Outcome, outcomes_of
from services.attribution.lineup import Lineup
from services.attribution.metrics import AttributionMetrics
from services.attribution.person import PersonInput, PersonPlan, plan_person
from services.attribution.repository import fits as fits_repository
from services.attribution.repository import journeys, state
from services.attribution.repository.money import Money
from shared.events import Credit
from shared.producer import OutgoingRecord

Stage = Callable[[str], AbstractContextManager[None]]


def _untimed(_name: str) -> AbstractContextManager[None]:
    return nullcontext()


class Restater:
    def __init__(
        self,
        lineup: Lineup,
        *,
        credits_topic: str,
        metrics: AttributionMetrics,
        money: Money,
    ) -> None:
        self.lineup = lineup
        self.money = money
        self._topic = credits_topic
        self._metrics = metrics

    async def restate(
        self,
        session: AsyncSession,
        persons: Collection[str],
        *,
        now: datetime,
        reason: str,
        stage: Stage = _untimed,
    ) -> list[OutgoingRecord]:
        if not persons:
            return []
        with stage("load"):
            everyone = await self._with_deals(session, persons)
            await journeys.lock_persons(session, everyone)
            plans_input, outcome_ids = await self._inputs(session, everyone)
            fits = await fits_repository.current_fits(
                session, [entry.key for entry in self.lineup.fitted]
            )
            by_name = {e.name: fits[e.key] for e in self.lineup.fitted if e.key in fits}
            stored = await state.load(session, everyone, outcome_ids)
        with stage("rules"):
            plans = [
                plan_person(person, lineup=self.lineup, fits=by_name, now=now)
                for person in plans_input
            ]
            changes = changes_of(stored, plans)
        with stage("write"):
            await state.write(session, changes, money=self.money)
        self._count(plans, changes, reason=reason)
        return [self._record(emitted) for emitted in changes.emitted]

    async def _with_deals(self, session: AsyncSession, persons: Collection[str]) -> set[str]:
        """The persons, and every person linked to them through the deals of their
        conversions, transitively: a deal's outcome is decided from all of its conversions,
        so everyone who holds one of them is recomputed with it."""
        everyone, frontier = set(persons), set(persons)
        while frontier:
            frontier = await journeys.sharing_deals(session, frontier) - everyone
            everyone |= frontier
        return everyone

    async def _inputs(
        self, session: AsyncSession, persons: Collection[str]
    ) -> tuple[list[PersonInput], list[str]]:
        touches = await journeys.touches_of(session, persons)
        conversions = await journeys.conversions_of(session, persons)
        losses = await journeys.losses_of(session, {c.deal_id for c in conversions if c.deal_id})
        outcomes = outcomes_of(
            conversions, losses=losses, deal_stages=self.lineup.stages.deal_stages
        )
        mine: dict[str, list[Outcome]] = {}
        for outcome in sorted(outcomes, key=lambda o: (o.at, o.outcome_id)):
            mine.setdefault(outcome.person_id, []).append(outcome)
        inputs = [
            PersonInput(person, touches.get(person, []), mine.get(person, []))
            for person in sorted(persons)
        ]
        return inputs, [outcome.outcome_id for outcome in outcomes]

    def _record(self, emitted: Emitted) -> OutgoingRecord:
        line, retracted = emitted.line, emitted.retracted
        # Built from stored, already valid values: constructed, not validated again.
        credit = Credit.model_construct(
            conversion_id=line.outcome_id,
            model=line.model,
            touchpoint_id=line.touchpoint_id or None,
            person_id=line.person_id,
            weight=Decimal(0) if retracted else line.weight,
            revenue=Decimal(0) if retracted else line.revenue,
            currency=line.currency,
            channel=line.channel,
            campaign=line.campaign,
            source=line.source,
            medium=line.medium,
            touch_type=line.touch_type,
            stage=line.stage,
            converted_at=line.converted_at,
            model_key=line.model_key,
            fit_id=line.fit_id or None,
            version=emitted.version,
            retracted=retracted,
        )
        return OutgoingRecord(topic=self._topic, key=line.outcome_id, value=credit.to_bytes())

    def _count(self, plans: Collection[PersonPlan], changes: Changes, *, reason: str) -> None:
        metrics = self._metrics
        metrics.persons_recomputed.labels(reason).inc(len(plans))
        metrics.credit_groups_restated.labels(reason).inc(len(changes.replaced))
        emitted = Counter(
            (e.line.model, "retraction" if e.retracted else "credit") for e in changes.emitted
        )
        for (model, kind), count in emitted.items():
            metrics.credits_emitted.labels(model, kind).inc(count)
