"""The sessionizer's batch handler: raw events in, journey changes and identity links out.

Set-based: a batch is read with one query per table, its rules run in memory on plain data, and
its changes are written with one statement per table, all in the batch's transaction:

1. the batch lock, then claim every messageId at once (those claimed before are duplicates)
   and read the stream time of its partitions; decide which events are late;
2. read the identity graph of every identifier of the batch, and link the events' identifiers
   one event at a time (``links.py``): which person each event goes to, which persons merge;
3. read the sessions and touchpoints of those persons, the conversions of the absorbed ones,
   and the web events the rules can reach (``scope.py``);
4. apply the events in batch order (``replay.py``), exactly as one event per batch would;
5. write what changed, and return the newest version of each touchpoint, conversion and
   identity link that changed, and the late events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from time import perf_counter

from sqlalchemy.ext.asyncio import AsyncSession

from services.sessionizer.admission import Admission, admit
from services.sessionizer.links import IdentityGraph
from services.sessionizer.metrics import SessionizerMetrics
from services.sessionizer.replay import JourneyRules, Replay, Tally
from services.sessionizer.repository import reads, writes
from services.sessionizer.scope import Scope, Span, scope_of
from services.sessionizer.state import JourneyState
from shared.events import TrackingEvent
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work

OPEN_SESSIONS_EVERY = timedelta(seconds=5)
__all__ = ["JourneyBuilder", "JourneyRules", "Topics", "identifiers_of"]


@dataclass(frozen=True, slots=True)
class Topics:
    journeys: str
    late_events: str
    identities: str


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


class StageClock:
    """Time spent per stage over a whole batch, reported once per batch."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = perf_counter()
        try:
            yield
        finally:
            self.spent[stage] += perf_counter() - started

    def report(self, work: Work) -> None:
        for stage, seconds in self.spent.items():
            work.observe_stage(stage, seconds)


class JourneyBuilder:
    def __init__(self, rules: JourneyRules, *, topics: Topics, metrics: SessionizerMetrics) -> None:
        self._rules = rules
        self._topics = topics
        self._metrics = metrics
        self._next_count = datetime.min.replace(tzinfo=UTC)

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[TrackingEvent]]
    ) -> list[OutgoingRecord]:
        clock, session = StageClock(), work.session
        with clock("load"):
            await reads.take_batch_lock(session)
            fresh = await reads.claim(session, {d.value.message_id for d in deliveries})
            times = await reads.stream_times(session, {d.record.position for d in deliveries})
        with clock("rules"):
            admission = admit(
                deliveries,
                fresh=fresh,
                stream_times=times,
                allowed_lateness=self._rules.allowed_lateness,
            )
            identifiers = [identifiers_of(event) for event in admission.applied]
        with clock("load"):
            known = sorted({i for found in identifiers for i in found})
            graph = IdentityGraph(await reads.identities(session, known))
        with clock("rules"):
            events = admission.applied
            resolutions = [
                graph.link(ids, e.timestamp) for e, ids in zip(events, identifiers, strict=True)
            ]
            scope = scope_of(
                events, resolutions, roles=self._rules.roles, rules=self._rules.sessions
            )
        with clock("load"):
            state = await self._load(session, scope)
        with clock("rules"):
            replay = Replay(state, self._rules)
            for event, resolution in zip(events, resolutions, strict=True):
                replay.apply(event, resolution)
        with clock("write"):
            await writes.stream_times(session, admission.stream_times, wrote=work.wrote)
            await writes.identities(session, graph, wrote=work.wrote)
            await writes.journeys(session, state, wrote=work.wrote)
        with clock("load"):
            open_sessions = await self._open_sessions(session, now=work.now)
        clock.report(work)
        work.after_commit(lambda: self._count(admission, replay.tally, open_sessions))
        return self._records(admission, state, graph)

    async def _open_sessions(self, session: AsyncSession, *, now: datetime) -> int | None:
        """The gauge's count, at most every ``OPEN_SESSIONS_EVERY`` (it counts a whole index
        range, and a scrape comes every 15 s or so)."""
        if now < self._next_count:
            return None
        self._next_count = now + OPEN_SESSIONS_EVERY
        horizon = self._rules.sessions.timeout + self._rules.allowed_lateness
        return await reads.open_sessions(session, within=horizon)

    async def _load(self, session: AsyncSession, scope: Scope) -> JourneyState:
        state = JourneyState()
        spans: dict[str, list[Span]] = defaultdict(list)
        for person, stored in await reads.sessions(session, scope.persons):
            state.sessions.load(stored.session_id, person, stored)
            spans[person].append((stored.started_at, stored.last_event_at))
        ranges = scope.ranges(spans, self._rules.sessions)
        for touchpoint in await reads.touchpoints(session, ranges):
            state.touchpoints.load(touchpoint.touchpoint_id, touchpoint.person_id, touchpoint)
        for conversion in await reads.conversions(session, scope.absorbed):
            state.conversions.load(conversion.conversion_id, conversion.person_id, conversion)
        for person, event in await reads.web_events(session, ranges):
            state.web.load(event.message_id, person, event)
        return state

    def _records(
        self, admission: Admission, state: JourneyState, graph: IdentityGraph
    ) -> list[OutgoingRecord]:
        topics = self._topics
        return [
            # Journey records are keyed by person, so one person's changes stay in order.
            *(
                OutgoingRecord(topic=topics.journeys, key=change.person_id, value=change.to_bytes())
                for change in state.emitted.values()
            ),
            *(
                OutgoingRecord(topic=topics.identities, key=link.identifier, value=link.to_bytes())
                for link in graph.links.values()
            ),
            *(
                OutgoingRecord(topic=topics.late_events, key=event.actor_id, value=event.to_bytes())
                for event in admission.late
            ),
        ]

    def _count(self, admission: Admission, tally: Tally, open_sessions: int | None) -> None:
        metrics = self._metrics
        metrics.duplicates.inc(admission.duplicates)
        metrics.without_consent.inc(admission.without_consent)
        for bucket, count in admission.lateness.items():
            metrics.lateness.labels(bucket).inc(count)
        metrics.late.inc(len(admission.late))
        metrics.merges.inc(tally.merges)
        for change, count in tally.touchpoints.items():
            metrics.touchpoint_updates.labels(change).inc(count)
        if open_sessions is not None:
            metrics.open_sessions.set(open_sessions)
