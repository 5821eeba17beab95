"""The sessionizer's batch handler: raw events in, journey changes out.

Per event, in each partition's order: drop duplicates → send events later than the allowed
lateness (behind their partition's stream time) to the late-events topic → resolve the person
(merging persons an event links, re-keying what they had) → recompute the sessions of the
event's chain, or record its own touchpoint → record a conversion. Every touchpoint that appears,
changes or disappears is emitted with a higher version; conversions are emitted once and again
when they change person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessionizer import repository
from services.sessionizer.identity import resolve
from services.sessionizer.metrics import SessionizerMetrics
from services.sessionizer.sessions import Session, SessionRules, chain_bounds, sessionize
from services.sessionizer.touchpoints import (
    EventRoles,
    conversion_of,
    event_touchpoint,
    lateness_bucket,
    session_touchpoint,
    web_event,
)
from shared.events import Conversion, Touchpoint, TrackingEvent, WireModel
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work


@dataclass(frozen=True, slots=True)
class JourneyRules:
    sessions: SessionRules
    roles: EventRoles
    allowed_lateness: timedelta = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Topics:
    journeys: str
    late_events: str


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
    def __init__(self, rules: JourneyRules, *, topics: Topics, metrics: SessionizerMetrics) -> None:
        self._rules = rules
        self._topics = topics
        self._metrics = metrics

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[TrackingEvent]]
    ) -> list[OutgoingRecord]:
        session = work.session
        out: list[OutgoingRecord] = []
        for delivery in deliveries:
            out.extend(await self._apply(session, delivery))
        await self._report_open_sessions(session)
        return out

    async def _apply(
        self, session: AsyncSession, delivery: Delivery[TrackingEvent]
    ) -> list[OutgoingRecord]:
        event = delivery.value
        if not await repository.claim_event(session, event.message_id):
            self._metrics.duplicates.inc()
            return []
        if await self._is_late(session, delivery):
            return [
                OutgoingRecord(
                    topic=self._topics.late_events, key=event.actor_id, value=event.to_bytes()
                )
            ]
        identifiers = identifiers_of(event)
        await repository.lock(session, identifiers)
        person_id, changes = await self._identify(session, event, identifiers)
        changes += await self._place(session, event, person_id)
        return [
            OutgoingRecord(
                topic=self._topics.journeys, key=change_key(change), value=change.to_bytes()
            )
            for change in changes
        ]

    async def _is_late(self, session: AsyncSession, delivery: Delivery[TrackingEvent]) -> bool:
        """Late: behind the partition's stream time by more than the allowed lateness."""
        at = delivery.value.timestamp
        current = await repository.stream_time(session, delivery.topic, delivery.partition)
        self._metrics.lateness.labels(lateness_bucket(at, current)).inc()
        if current is not None and at < current - self._rules.allowed_lateness:
            self._metrics.late.inc()
            return True
        await repository.advance_stream_time(session, delivery.topic, delivery.partition, at)
        return False

    async def _identify(
        self, session: AsyncSession, event: TrackingEvent, identifiers: list[str]
    ) -> tuple[str, list[WireModel]]:
        component = await repository.component(session, identifiers)
        await repository.lock(session, {node.person_id for node in component})
        resolution = resolve(component, identifiers, event.timestamp)
        await repository.write_identities(session, resolution.changed)
        if not resolution.absorbed:
            return resolution.person_id, []
        self._metrics.merges.inc(len(resolution.absorbed))
        await repository.record_merges(
            session,
            resolution.absorbed,
            into=resolution.person_id,
            message_id=event.message_id,
            at=event.timestamp,
        )
        touchpoints, conversions = await repository.rekey(
            session, resolution.absorbed, into=resolution.person_id
        )
        self._metrics.touchpoint_updates.labels("rekey").inc(len(touchpoints))
        # Both persons' web events now form one set: their sessions may interleave.
        resessioned = await self._resessionize(session, resolution.person_id, around=None)
        rekeyed = {tp.touchpoint_id for tp in resessioned}
        changes: list[WireModel] = [tp for tp in touchpoints if tp.touchpoint_id not in rekeyed]
        return resolution.person_id, [*changes, *resessioned, *conversions]

    async def _place(
        self, session: AsyncSession, event: TrackingEvent, person_id: str
    ) -> list[WireModel]:
        roles = self._rules.roles
        changes: list[WireModel] = []
        if roles.is_web(event):
            web = web_event(event)
            await repository.save_web_event(session, web, person_id=person_id)
            # A tagged event can change what later direct sessions inherit: recompute them all.
            inherits = web.tagged and bool(self._rules.sessions.direct_campaign_timeout)
            changes += await self._resessionize(
                session, person_id, around=None if inherits else event.timestamp
            )
        elif roles.is_touch(event):
            touchpoint = event_touchpoint(event, person_id=person_id)
            await repository.save_touchpoint(session, touchpoint)
            self._metrics.touchpoint_updates.labels("new").inc()
            changes.append(touchpoint)
        conversion = conversion_of(event, person_id, roles)
        if conversion is not None:
            await repository.save_conversion(session, conversion)
            changes.append(conversion)
        return changes

    async def _resessionize(
        self, session: AsyncSession, person_id: str, *, around: datetime | None
    ) -> list[Touchpoint]:
        """Recomputes the sessions of the chain around ``around`` (all of them when None) and
        returns the touchpoints that appeared, changed or disappeared."""
        rules = self._rules.sessions
        spans = await repository.session_spans(session, person_id)
        prior = None
        if around is None:
            old_ids = {span.session_id for span in spans}
            events = await repository.web_events(session, person_id)
        else:
            low, high = chain_bounds(
                [(s.started_at, s.last_event_at) for s in spans], around, rules
            )
            old_ids = {s.session_id for s in spans if low <= s.started_at <= high}
            events = await repository.web_events(session, person_id, low=low, high=high)
            if rules.direct_campaign_timeout:
                prior = await repository.last_tagged_before(
                    session, person_id, before=low, since=low - rules.direct_campaign_timeout
                )
        new = sessionize(events, rules, prior_tagged=prior)
        return await self._replace(session, person_id, old_ids, new)

    async def _replace(
        self, session: AsyncSession, person_id: str, old_ids: set[str], new: Sequence[Session]
    ) -> list[Touchpoint]:
        known = await repository.touchpoints_by_id(session, old_ids | {s.session_id for s in new})
        changed: list[Touchpoint] = []
        for state in new:
            await repository.save_session(session, state, person_id=person_id)
            row = known.get(state.session_id)
            touchpoint = session_touchpoint(
                state, person_id=person_id, version=row.version if row else 1
            )
            if (
                row is not None
                and not row.retracted
                and touchpoint == repository.touchpoint_of(row)
            ):
                continue
            if row is not None:
                touchpoint = touchpoint.model_copy(update={"version": row.version + 1})
            changed.append(touchpoint)
            self._metrics.touchpoint_updates.labels("update" if row else "new").inc()
        gone = old_ids - {s.session_id for s in new}
        await repository.delete_sessions(session, gone)
        for session_id in sorted(gone):
            row = known[session_id]
            changed.append(
                repository.touchpoint_of(row).model_copy(
                    update={"retracted": True, "version": row.version + 1}
                )
            )
            self._metrics.touchpoint_updates.labels("retract").inc()
        for touchpoint in changed:
            await repository.save_touchpoint(session, touchpoint)
        return changed

    async def _report_open_sessions(self, session: AsyncSession) -> None:
        newest = await repository.max_stream_time(session)
        if newest is None:
            return
        horizon = newest - self._rules.sessions.timeout - self._rules.allowed_lateness
        self._metrics.open_sessions.set(
            await repository.count_open_sessions(session, ended_after=horizon)
        )


def change_key(change: WireModel) -> str:
    """Journey records are keyed by person, so one person's changes stay in order."""
    assert isinstance(change, Touchpoint | Conversion)
    return change.person_id
