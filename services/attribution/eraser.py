"""Applies a PersonErased to attribution's tables (the privacy job, shared/privacy).

The person's touchpoints, conversions, outcomes, credits and stored contribution go; the
report aggregates (credit totals by day and month, reach, credit versions) and the fitted
models' counts keep what the person added, anonymously, so every report reads the same after
as before. One exception: a deal the person shares with others (two contacts of one CRM deal)
is still won, so those others are restated without the person's conversions: the deal's credit
moves to their touchpoints, its total stays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.repository import erasure, journeys
from services.attribution.restating import Restater
from shared.events import Credit
from shared.privacy import Erased, Pending
from shared.producer import OutgoingRecord


def without_person(record: OutgoingRecord, person: str) -> OutgoingRecord:
    """A credit retracted from the erased person's lines does not name them again."""
    credit = Credit.model_validate_json(record.value)
    if credit.person_id != person:
        return record
    return replace(record, value=credit.model_copy(update={"person_id": ""}).to_bytes())


@dataclass(frozen=True, slots=True)
class AttributionEraser:
    restater: Restater

    async def __call__(self, session: AsyncSession, pending: Pending, now: datetime) -> Erased:
        person = pending.person_id
        sharers = await journeys.sharing_deals(session, {person}) - {person}
        await journeys.lock_persons(session, {person, *sharers})
        deals = await erasure.deals_of(session, person)
        rows = {t.name: await erasure.delete_of(session, t, person) for t in erasure.JOURNEY_TABLES}
        # Without the person's conversions; the stored credits of a shared deal are replaced.
        restated = await self.restater.restate(session, sharers, now=now, reason="erasure")
        outputs = [without_person(record, person) for record in restated]
        for table in erasure.DERIVED_TABLES:
            rows[table.name] = await erasure.delete_of(session, table, person)
        rows["deal_losses"] = await erasure.delete_lone_losses(session, deals)
        await erasure.move_walk_cursors(session, person)
        return Erased(rows=rows, outputs=outputs)
