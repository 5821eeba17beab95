"""Applies an erasure request to the sessionizer's tables (the privacy job, shared/privacy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessionizer.erasure import announcements, plan_erasure
from services.sessionizer.repository import erasure, reads
from shared.privacy import Erased, Pending


@dataclass(frozen=True, slots=True)
class JourneyEraser:
    privacy_topic: str
    identities_topic: str

    async def __call__(self, session: AsyncSession, pending: Pending, now: datetime) -> Erased:
        # Batches of every instance take this lock: none writes the persons meanwhile.
        await reads.take_batch_lock(session)
        stored = await erasure.component(session, pending.identifiers)
        persons = {person for _, person in stored}
        everyone = await erasure.with_absorbed(session, persons)
        plan = plan_erasure(pending.identifiers, stored, absorbed=everyone - persons)
        rows = await erasure.delete_persons(session, plan.person_ids)
        outputs = announcements(
            plan,
            request_id=pending.request_id,
            at=now,
            privacy_topic=self.privacy_topic,
            identities_topic=self.identities_topic,
        )
        return Erased(rows=rows, persons=len(plan.persons) + len(plan.unknown), outputs=outputs)
