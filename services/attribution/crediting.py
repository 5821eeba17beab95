"""The attribution batch handler: journey records in, credits out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution import repository
from services.attribution.models import MODELS, TouchpointView, eligible, split
from shared.events import Conversion, Credit, Touchpoint
from shared.ids import stable_id
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work

UNATTRIBUTED = "(none)"


def credits_for(
    conversion: Conversion,
    touchpoints: Sequence[TouchpointView],
    *,
    model: str,
    lookback: timedelta,
) -> list[Credit]:
    """Every credit one model gives for one conversion. Pure."""
    window = eligible(touchpoints, converted_at=conversion.occurred_at, lookback=lookback)
    credits = []
    for share in split(conversion.revenue, window, MODELS[model]):
        touchpoint = share.touchpoint
        credits.append(
            Credit(
                conversion_id=conversion.conversion_id,
                model=model,
                touchpoint_id=touchpoint.touchpoint_id if touchpoint else None,
                person_id=conversion.person_id,
                weight=share.weight,
                revenue=share.revenue,
                currency=conversion.currency,
                channel=touchpoint.channel if touchpoint else UNATTRIBUTED,
                campaign=touchpoint.campaign if touchpoint else None,
                source=touchpoint.source if touchpoint else None,
            )
        )
    return credits


def credit_id(credit: Credit) -> str:
    return stable_id("credit", credit.conversion_id, credit.model, credit.touchpoint_id or "")


def restatement(stored: dict[str, Credit], fresh: Sequence[Credit]) -> list[Credit] | None:
    """What to emit when a conversion's credits become ``fresh``: None when nothing changed,
    else the fresh credits plus a retraction of each stored one no longer given. Pure."""
    fresh_by_id = {credit_id(credit): credit for credit in fresh}
    if fresh_by_id == stored:
        return None
    retracted = [
        credit.model_copy(update={"weight": Decimal(0), "revenue": Decimal(0), "retracted": True})
        for key, credit in sorted(stored.items())
        if key not in fresh_by_id
    ]
    return [*fresh, *retracted]


class Attributor:
    """Keeps the touchpoints and conversions of each person, and restates the credits of a
    person's conversions whenever any of them changes (late events, merged sessions, merged
    persons): each conversion always carries the credits its current journey deserves."""

    def __init__(self, *, models: Sequence[str], lookback: timedelta, credits_topic: str) -> None:
        unknown = set(models) - set(MODELS)
        if unknown:
            raise ValueError(
                f"unknown attribution models {sorted(unknown)}; known: {sorted(MODELS)}"
            )
        self._models = tuple(models)
        self._lookback = lookback
        self._topic = credits_topic

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[Touchpoint | Conversion]]
    ) -> list[OutgoingRecord]:
        session = work.session
        affected: set[str] = set()
        for delivery in deliveries:
            record = delivery.value
            if isinstance(record, Touchpoint):
                previous = await repository.save_touchpoint(session, record)
            else:
                previous = await repository.save_conversion(session, record)
            if previous is repository.STALE:
                continue
            affected.add(record.person_id)
            if isinstance(previous, str):
                affected.add(previous)
        out: list[OutgoingRecord] = []
        for person_id in sorted(affected):
            out.extend(await self._restate(session, person_id))
        return out

    async def _restate(self, session: AsyncSession, person_id: str) -> list[OutgoingRecord]:
        touchpoints = await repository.touchpoints_of(session, person_id)
        out: list[OutgoingRecord] = []
        for conversion in await repository.conversions_of(session, person_id):
            fresh = [
                credit
                for model in self._models
                for credit in credits_for(
                    conversion, touchpoints, model=model, lookback=self._lookback
                )
            ]
            emitted = restatement(
                await repository.credits_of(session, conversion.conversion_id), fresh
            )
            if emitted is None:
                continue
            await repository.replace_credits(
                session, conversion.conversion_id, [(credit_id(c), c) for c in fresh]
            )
            out.extend(
                OutgoingRecord(topic=self._topic, key=conversion.person_id, value=c.to_bytes())
                for c in emitted
            )
        return out
