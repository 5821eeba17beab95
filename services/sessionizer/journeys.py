"""The sessionizer's batch handler: raw events in, sessions/touchpoints/conversions out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessionizer import repository
from services.sessionizer.sessions import (
    SESSION_EVENT_TYPES,
    SessionRules,
    continues,
    conversion_of,
    extend,
    start,
    touchpoint_of,
)
from shared.events import TrackingEvent, WireModel
from shared.ids import stable_id
from shared.producer import OutgoingRecord


@dataclass(frozen=True, slots=True)
class JourneyRules:
    sessions: SessionRules
    conversion_events: frozenset[str]
    default_currency: str


def identifiers_of(event: TrackingEvent) -> list[str]:
    """Identifiers the event ties together: user, device, ``alias``'s previous id, and the
    namespaced identities (hashed email, CRM contact ids) as ``kind:value``."""
    found = [
        event.user_id,
        event.anonymous_id,
        event.previous_id if event.type == "alias" else None,
        *(f"{kind}:{value}" for kind, value in sorted(event.identities.items())),
    ]
    return list(dict.fromkeys(i for i in found if i))


class JourneyBuilder:
    """Applies each new event once, in batch order, and returns what changed downstream."""

    def __init__(self, rules: JourneyRules, *, journeys_topic: str) -> None:
        self._rules = rules
        self._topic = journeys_topic

    async def __call__(
        self, session: AsyncSession, events: Sequence[TrackingEvent]
    ) -> list[OutgoingRecord]:
        out: list[OutgoingRecord] = []
        # Event-time order inside a batch: sessions then grow forwards, as they happened.
        for event in sorted(events, key=lambda e: e.timestamp):
            if await repository.claim_event(session, event.message_id):
                out.extend(await self._apply(session, event))
        return out

    async def _apply(self, session: AsyncSession, event: TrackingEvent) -> list[OutgoingRecord]:
        person_id = await self._resolve(session, event)
        changes: list[WireModel] = []
        if event.type in SESSION_EVENT_TYPES:
            touchpoint = await self._sessionize(session, person_id, event)
            if touchpoint is not None:
                changes.append(touchpoint)
        conversion = conversion_of(
            event,
            person_id,
            conversion_events=self._rules.conversion_events,
            default_currency=self._rules.default_currency,
        )
        if conversion is not None:
            await repository.save_conversion(session, conversion)
            changes.append(conversion)
        return [
            OutgoingRecord(topic=self._topic, key=person_id, value=change.to_bytes())
            for change in changes
        ]

    async def _resolve(self, session: AsyncSession, event: TrackingEvent) -> str:
        """The person behind the event; identifiers seen together join the oldest person."""
        identifiers = identifiers_of(event)
        known = await repository.persons_of(session, identifiers)
        person_id = known[0].person_id if known else stable_id("person", identifiers[0])
        linked = {row.identifier for row in known}
        await repository.link(
            session,
            [i for i in identifiers if i not in linked],
            person_id=person_id,
            seen_at=event.timestamp,
        )
        return person_id

    async def _sessionize(
        self, session: AsyncSession, person_id: str, event: TrackingEvent
    ) -> WireModel | None:
        """Extends the person's session or starts one; a new session is a new touchpoint."""
        rules = self._rules.sessions
        current = await repository.session_around(
            session, person_id, event.timestamp, gap=rules.timeout
        )
        if current is not None and continues(current, event.timestamp, rules):
            await repository.save_session(session, extend(current, event.timestamp))
            return None
        opened = start(person_id, event)
        touchpoint = touchpoint_of(opened, event)
        await repository.save_session(session, opened)
        await repository.save_touchpoint(session, touchpoint)
        return touchpoint
