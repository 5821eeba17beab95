"""The attribution batch handler: journey records in, credits out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution import repository
from services.attribution.models import MODELS, TouchpointView, eligible, split
from shared.events import Conversion, Credit, Touchpoint
from shared.ids import stable_id
from shared.producer import OutgoingRecord

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


class Attributor:
    """Keeps touchpoints; credits each new conversion once with every configured model."""

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
        self, session: AsyncSession, records: Sequence[Touchpoint | Conversion]
    ) -> list[OutgoingRecord]:
        out: list[OutgoingRecord] = []
        for record in records:
            if isinstance(record, Touchpoint):
                await repository.save_touchpoint(session, record)
            elif await repository.claim_conversion(session, record):
                out.extend(await self._credit(session, record))
        return out

    async def _credit(self, session: AsyncSession, conversion: Conversion) -> list[OutgoingRecord]:
        touchpoints = await repository.touchpoints_before(
            session,
            conversion.person_id,
            until=conversion.occurred_at,
            since=conversion.occurred_at - self._lookback,
        )
        credits = [
            credit
            for model in self._models
            for credit in credits_for(conversion, touchpoints, model=model, lookback=self._lookback)
        ]
        await repository.save_credits(session, [(credit_id(c), c) for c in credits])
        return [
            OutgoingRecord(topic=self._topic, key=conversion.person_id, value=c.to_bytes())
            for c in credits
        ]
