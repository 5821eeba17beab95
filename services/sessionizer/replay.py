"""The journey rules, applied to a batch's in-memory state one event at a time. Pure.

Per applied event, in batch order: if it merged persons, their journeys move to the survivor
(every touchpoint and conversion they had is re-emitted with a higher version) and all of the
merged person's sessions are recomputed; then the event is placed: a web event recomputes the
sessions of its chain, a touch event is a touchpoint of its own, a conversion event a
conversion. Every touchpoint that appears, changes or disappears gets a higher version. This is
the order and the arithmetic of applying the events one per transaction, so a batch of any size
stores and emits what one event at a time would (the batch emits only each record's newest
version).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from services.sessionizer.identity import Resolution
from services.sessionizer.sessions import (
    Session,
    SessionRules,
    WebEvent,
    chain_bounds,
    order_key,
    sessionize,
)
from services.sessionizer.state import JourneyState, Merge, StoredSession
from services.sessionizer.touchpoints import (
    EventRoles,
    conversion_of,
    event_touchpoint,
    says_the_same,
    session_touchpoint,
    web_event,
)
from shared.events import Conversion, Touchpoint, TrackingEvent

# The scale of conversions.revenue: a conversion read back from its row has it.
REVENUE_SCALE = Decimal("0.0001")
ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class JourneyRules:
    sessions: SessionRules
    roles: EventRoles
    allowed_lateness: timedelta = timedelta(hours=6)


@dataclass
class Tally:
    """What the rules did, for the metrics (counted once the batch commits)."""

    merges: int = 0
    touchpoints: Counter[str] = field(default_factory=Counter)  # new, update, retract, rekey


def stored_web_event(event: TrackingEvent) -> WebEvent:
    """The web event as its row reads back: times in UTC (the sessions and touchpoints made
    from it then say the same as those made from the row)."""
    web = web_event(event)
    return web if web.at.utcoffset() == ZERO else replace(web, at=web.at.astimezone(UTC))


def stored_touchpoint(touchpoint: Touchpoint) -> Touchpoint:
    return touchpoint.model_copy(update={"occurred_at": touchpoint.occurred_at.astimezone(UTC)})


def stored_conversion(conversion: Conversion) -> Conversion:
    return conversion.model_copy(
        update={
            "occurred_at": conversion.occurred_at.astimezone(UTC),
            "revenue": conversion.revenue.quantize(REVENUE_SCALE, rounding=ROUND_HALF_UP),
        }
    )


class Replay:
    def __init__(self, state: JourneyState, rules: JourneyRules) -> None:
        self.state = state
        self.rules = rules
        self.tally = Tally()

    def apply(self, event: TrackingEvent, resolution: Resolution) -> None:
        if resolution.absorbed:
            self._merge(event, resolution.absorbed, into=resolution.person_id)
        self._place(event, resolution.person_id)

    def _merge(self, event: TrackingEvent, absorbed: Collection[str], *, into: str) -> None:
        self.tally.merges += len(absorbed)
        for person in sorted(absorbed):
            self.state.merges.append(Merge(person, into, event.message_id, event.timestamp))
            self._rekey(person, into)
        # Both persons' web events now form one set: their sessions may interleave.
        self._resessionize(into, around=None)

    def _rekey(self, person: str, into: str) -> None:
        state = self.state
        for key in state.web.keys_of(person):
            state.web.put(key, into, state.web.rows[key])
        for key in state.sessions.keys_of(person):
            state.sessions.put(key, into, state.sessions.rows[key])
        for key in state.touchpoints.keys_of(person):
            touchpoint = state.touchpoints.rows[key]
            moved = touchpoint.model_copy(
                update={"person_id": into, "version": touchpoint.version + 1}
            )
            state.touchpoints.put(key, into, moved)
            state.emit(moved)
            self.tally.touchpoints["rekey"] += 1
        for key in state.conversions.keys_of(person):
            conversion = state.conversions.rows[key]
            moved_conversion = conversion.model_copy(
                update={"person_id": into, "version": conversion.version + 1}
            )
            state.conversions.put(key, into, moved_conversion)
            state.emit(moved_conversion)

    def _place(self, event: TrackingEvent, person: str) -> None:
        roles, state = self.rules.roles, self.state
        if roles.is_web(event):
            web = stored_web_event(event)
            if web.message_id not in state.web.rows:
                state.web.put(web.message_id, person, web)
            # A tagged event can change what later direct sessions inherit: recompute them all.
            inherits = web.tagged and bool(self.rules.sessions.direct_campaign_timeout)
            self._resessionize(person, around=None if inherits else event.timestamp)
        elif roles.is_touch(event):
            touchpoint = event_touchpoint(event, person_id=person)
            state.touchpoints.put(touchpoint.touchpoint_id, person, stored_touchpoint(touchpoint))
            state.emit(touchpoint)
            self.tally.touchpoints["new"] += 1
        conversion = conversion_of(event, person, roles)
        if conversion is not None:
            if conversion.conversion_id not in state.conversions.rows:
                state.conversions.put(
                    conversion.conversion_id, person, stored_conversion(conversion)
                )
            state.emit(conversion)

    def _resessionize(self, person: str, *, around: datetime | None) -> None:
        """Recomputes the sessions of the chain around ``around`` (all of them when None)."""
        rules = self.rules.sessions
        spans = list(self.state.sessions.of(person))
        events = list(self.state.web.of(person))
        prior = None
        if around is None:
            old_ids = {span.session_id for span in spans}
        else:
            low, high = chain_bounds(
                [(s.started_at, s.last_event_at) for s in spans], around, rules
            )
            old_ids = {s.session_id for s in spans if low <= s.started_at <= high}
            if rules.direct_campaign_timeout:
                prior = last_tagged(events, before=low, since=low - rules.direct_campaign_timeout)
            events = [e for e in events if low <= e.at <= high]
        self._replace(person, old_ids, sessionize(events, rules, prior_tagged=prior))

    def _replace(self, person: str, old_ids: set[str], new: Sequence[Session]) -> None:
        state, touchpoints = self.state, self.state.touchpoints
        for session in new:
            state.sessions.put(
                session.session_id,
                person,
                StoredSession(
                    session.session_id,
                    session.started_at,
                    session.last_event_at,
                    session.event_count,
                ),
            )
            row = touchpoints.rows.get(session.session_id)
            if row is not None and says_the_same(row, session, person_id=person):
                continue
            version = row.version + 1 if row is not None else 1
            touchpoint = session_touchpoint(session, person_id=person, version=version)
            touchpoints.put(touchpoint.touchpoint_id, person, touchpoint)
            state.emit(touchpoint)
            self.tally.touchpoints["update" if row else "new"] += 1
        for session_id in sorted(old_ids - {s.session_id for s in new}):
            state.sessions.remove(session_id)
            gone = touchpoints.rows.get(session_id)
            if gone is None:
                continue
            retracted = gone.model_copy(update={"retracted": True, "version": gone.version + 1})
            touchpoints.put(session_id, touchpoints.owner[session_id], retracted)
            state.emit(retracted)
            self.tally.touchpoints["retract"] += 1


def last_tagged(
    events: Sequence[WebEvent], *, before: datetime, since: datetime
) -> WebEvent | None:
    """The person's last tagged web event in [since, before)."""
    tagged = [e for e in events if e.tagged and since <= e.at < before]
    return max(tagged, key=order_key) if tagged else None
