"""Journeys in: the copies of touchpoints and conversions feedback keeps to know each person's
revenue to date and acquisition (first live touchpoint)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from services.feedback.consumer.segments import recount
from services.feedback.repository import people
from shared.events import Conversion, Touchpoint
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work

R = TypeVar("R", Touchpoint, Conversion)


def newest(records: Iterable[R], *, key: str) -> dict[str, R]:
    """The highest version of each record of a batch."""
    found: dict[str, R] = {}
    for record in records:
        record_id = getattr(record, key)
        if record_id not in found or record.version > found[record_id].version:
            found[record_id] = record
    return found


def newer(records: dict[str, R], stored: dict[str, tuple[int, str]]) -> tuple[list[R], set[str]]:
    """Records newer than the stored copy, and the persons they touch (old and new owner)."""
    fresh = {key: r for key, r in records.items() if r.version > stored.get(key, (0, ""))[0]}
    persons = {r.person_id for r in fresh.values()}
    persons |= {stored[key][1] for key in fresh if key in stored}
    return list(fresh.values()), persons


class JourneyHandler:
    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[Touchpoint | Conversion]]
    ) -> list[OutgoingRecord]:
        values = [delivery.value for delivery in deliveries]
        touchpoints = newest((v for v in values if isinstance(v, Touchpoint)), key="touchpoint_id")
        conversions = newest((v for v in values if isinstance(v, Conversion)), key="conversion_id")
        if not (touchpoints or conversions):
            return []
        session = work.session
        with work.stage("load"):
            await people.lock_intake(session)
            stored_t = await people.stored_versions(session, Touchpoint, touchpoints)
            stored_c = await people.stored_versions(session, Conversion, conversions)
        fresh_t, persons_t = newer(touchpoints, stored_t)
        fresh_c, persons_c = newer(conversions, stored_c)
        affected = persons_t | persons_c
        with work.stage("write"):
            work.wrote("touchpoints", await people.save_touchpoints(session, fresh_t))
            work.wrote("conversions", await people.save_conversions(session, fresh_c))
            work.wrote("persons", await people.refresh_persons(session, affected, at=work.now))
            await recount(work, affected)
        return []
