"""The attribution's two routes: journeys (touchpoints and conversions) and raw events (ad
costs, lost deals). Each batch is applied set-based: its records' newest versions stored with one
statement per table, then every person they touch (before and after a re-key) recomputed at once
(restating.py). A redelivered batch finds every version already stored and changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.metrics import AttributionMetrics
from services.attribution.repository import costs, journeys
from services.attribution.restating import Restater
from services.attribution.signals import AdCost, DealLoss, RawSignal
from services.attribution.tables import CONVERSIONS, TOUCHPOINTS
from shared.events import Conversion, Touchpoint
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work

Versioned = TypeVar("Versioned", Touchpoint, Conversion)
# A row another instance moved while we waited for a lock is read again; a few rounds settle it.
MAX_LOCK_ROUNDS = 4


def newest(records: Iterable[Versioned], *, key: str) -> dict[str, Versioned]:
    """The highest version of each record id among ``records``."""
    chosen: dict[str, Versioned] = {}
    for record in records:
        record_id = getattr(record, key)
        if record_id not in chosen or chosen[record_id].version < record.version:
            chosen[record_id] = record
    return chosen


def with_deals(chosen: dict[str, Conversion], every: Sequence[Conversion]) -> dict[str, Conversion]:
    """A conversion's deal never changes, but the sessionizer re-keys a merged person's
    conversions without it: the newest version keeps the deal an older one of the batch named
    (the stored one is kept by the upsert)."""
    deals = {c.conversion_id: c.deal_id for c in every if c.deal_id is not None}
    return {
        key: c
        if c.deal_id is not None or key not in deals
        else c.model_copy(update={"deal_id": deals[key]})
        for key, c in chosen.items()
    }


class JourneyHandler:
    def __init__(self, restater: Restater) -> None:
        self._restater = restater

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[Touchpoint | Conversion]]
    ) -> list[OutgoingRecord]:
        session = work.session
        with work.stage("load"):
            values = [delivery.value for delivery in deliveries]
            touchpoints = newest(
                (v for v in values if isinstance(v, Touchpoint)), key="touchpoint_id"
            )
            conversions = with_deals(
                newest((v for v in values if isinstance(v, Conversion)), key="conversion_id"),
                [v for v in values if isinstance(v, Conversion)],
            )
            persons, fresh_t, fresh_c = await self._claim(session, touchpoints, conversions)
            await journeys.save_touchpoints(session, fresh_t)
            await journeys.save_conversions(session, fresh_c)
            await journeys.save_campaign_channels(session, [t for t in fresh_t if not t.retracted])
        return await self._restater.restate(
            session, persons, now=work.now, reason="stream", stage=work.stage
        )

    async def _claim(
        self,
        session: AsyncSession,
        touchpoints: dict[str, Touchpoint],
        conversions: dict[str, Conversion],
    ) -> tuple[set[str], list[Touchpoint], list[Conversion]]:
        """The records newer than what is stored, and every person whose journey they change
        (their person and, for a re-keyed record, its previous one), with those persons locked."""
        locked: set[str] = set()
        wanted = {t.person_id for t in touchpoints.values()}
        wanted |= {c.person_id for c in conversions.values()}
        fresh_t: list[Touchpoint] = []
        fresh_c: list[Conversion] = []
        for _ in range(MAX_LOCK_ROUNDS):
            await journeys.lock_persons(session, wanted - locked)
            locked |= wanted
            fresh_t, changed_t = await _newer(session, TOUCHPOINTS, touchpoints)
            fresh_c, changed_c = await _newer(session, CONVERSIONS, conversions)
            wanted = changed_t | changed_c
            if wanted <= locked:
                break
        return wanted, fresh_t, fresh_c


async def _newer(
    session: AsyncSession, table: Table, records: dict[str, Versioned]
) -> tuple[list[Versioned], set[str]]:
    """The records newer than the stored ones, and the persons whose journeys they change:
    the record's and the one it belonged to, unless only its version moved."""
    stored = await journeys.stored_versions(session, table, records)
    read = journeys.READ[table.name]
    fresh: list[Versioned] = []
    persons: set[str] = set()
    for key, record in sorted(records.items()):
        version, before = stored.get(key, (0, ()))
        if record.version <= version:
            continue
        fresh.append(record)
        if tuple(getattr(record, name) for name in read) != before:
            persons.add(record.person_id)
            if before:
                persons.add(str(before[0]))
    return fresh, persons


class RawEventHandler:
    """Ad costs (each ad event once) and lost deals (their outcomes restated)."""

    def __init__(self, restater: Restater, *, metrics: AttributionMetrics) -> None:
        self._restater = restater
        self._metrics = metrics

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[RawSignal | None]]
    ) -> list[OutgoingRecord]:
        session = work.session
        signals = [delivery.value for delivery in deliveries if delivery.value is not None]
        with work.stage("write"):
            taken = await costs.record_ad_costs(
                session, [s for s in signals if isinstance(s, AdCost)]
            )
            work.after_commit(lambda: self._metrics.ad_costs.inc(taken))
            losses = [(s.deal_id, s.at) for s in signals if isinstance(s, DealLoss)]
            moved = await journeys.record_losses(session, losses)
            persons: Collection[str] = await journeys.persons_of_deals(session, moved)
        return await self._restater.restate(
            session, persons, now=work.now, reason="deal_lost", stage=work.stage
        )
