"""A seeded, realistic mixed stream of Segment messages for the pipeline benchmark. Pure.

Visitors (devices) belong to persons; some persons use two devices and identify on both. Each
device makes a few sessions (30-minute inactivity apart at least): a landing page with a
campaign or a referrer, more page and product views, sometimes an identify, an order at the end;
some sessions follow an email click or an ad click. Some visitors answer an NPS or CSAT survey,
with comments, detractors among them. About 2% of events arrive late (minutes after their event
time, within every lateness allowance in play) and about 1% are sent twice (same messageId).

The same plan feeds the prepared backlog (arrival order, event times kept) and the offered load
of the latency phase (sent at a fixed rate, event times replaced by the time of sending).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.pipeline.journeys import Device, Session, plan_persons

# The peer figure: 300,000 events from 20,000 visitors, 15 a visitor.
EVENTS_PER_VISITOR = 15


@dataclass(frozen=True)
class StreamSpec:
    events: int = 50_000
    visitors: int = 0  # 0: events / EVENTS_PER_VISITOR
    seed: int = 7
    start: datetime = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
    # First visits are spread over this much event time; later sessions follow within days.
    span_hours: float = 24.0
    late_share: float = 0.02
    duplicate_share: float = 0.01
    # Late events arrive 1 to this many minutes after their event time: inside the peer's
    # 10-minute grace and far inside the sessionizer's allowed lateness (6 h by default).
    max_late_minutes: float = 9.0
    # A prefix for every id, so two streams of one run never share a person or a messageId.
    tag: str = "b"

    @property
    def visitor_count(self) -> int:
        return self.visitors or max(1, self.events // EVENTS_PER_VISITOR)


@dataclass(frozen=True)
class PlannedEvent:
    """One message as a client sends it, with when it happened and when it arrives."""

    kind: str  # page, product, identify, email_click, ad_click, order, nps, csat
    message: dict[str, Any]
    occurred_at: datetime
    arrives_at: datetime
    late: bool = False
    duplicate: bool = False

    @property
    def key(self) -> str:
        """The collector's partition key: the device, else the user."""
        return str(self.message.get("anonymousId") or self.message.get("userId"))


def plan(spec: StreamSpec) -> list[PlannedEvent]:
    """Exactly ``spec.events`` events in arrival order, the same for the same spec."""
    if spec.events < 1:
        raise ValueError("events must be at least 1")
    rng = random.Random(spec.seed)
    duplicates = round(spec.events * spec.duplicate_share)
    devices = plan_persons(rng, spec.visitor_count, tag=spec.tag)
    skeleton = sum(device.event_count() for device in devices)
    budget = spec.events - duplicates - skeleton
    if budget < 0:
        raise ValueError(
            f"{spec.visitor_count} visitors need at least {skeleton + duplicates} events; "
            f"give more --events or fewer --visitors"
        )
    _spread_views(rng, devices, budget)
    events = [event for device in devices for event in _timed(rng, device, spec)]
    events = _delay_some(rng, events, share=spec.late_share, spec=spec)
    events += _duplicates_of(rng, events, duplicates)
    events.sort(key=lambda event: event.arrives_at)
    return events


def _spread_views(rng: random.Random, devices: list[Device], extra: int) -> None:
    """Hands ``extra`` further page and product views to sessions picked at random."""
    sessions = [session for device in devices for session in device.sessions]
    for _ in range(extra):
        session = rng.choice(sessions)
        session.views.append("product" if rng.random() < 0.2 else "page")


def _timed(rng: random.Random, device: Device, spec: StreamSpec) -> list[PlannedEvent]:
    at = spec.start + timedelta(hours=rng.uniform(0, spec.span_hours))
    out: list[PlannedEvent] = []
    for number, session in enumerate(device.sessions):
        if number:
            at += timedelta(minutes=rng.uniform(40, 2 * 24 * 60))
        out += _session_events(rng, device, session, at)
        at = out[-1].occurred_at
    if device.survey is not None:
        at += timedelta(hours=rng.uniform(2, 72))
        out.append(_event(device.survey_kind(), device.survey, at))
    return out


def _session_events(
    rng: random.Random, device: Device, session: Session, start: datetime
) -> list[PlannedEvent]:
    at = start
    out: list[PlannedEvent] = []
    if session.touch is not None:
        out.append(_event(session.touch_kind(), session.touch, at))
        at += timedelta(seconds=rng.uniform(1, 60))
    for index, kind in enumerate(["page", *session.views]):
        message = session.landing if index == 0 else device.view(kind, session, index)
        out.append(_event(kind, message, at))
        if index == 0 and session.identify is not None:
            at += timedelta(seconds=rng.uniform(5, 120))
            out.append(_event("identify", session.identify, at))
        at += timedelta(seconds=rng.uniform(5, 240))
    if session.order is not None:
        out.append(_event("order", session.order, at))
    return out


def _event(kind: str, message: dict[str, Any], at: datetime) -> PlannedEvent:
    at = _ms(at)
    stamped = {**message, "timestamp": _iso(at), "sentAt": _iso(at)}
    return PlannedEvent(kind=kind, message=stamped, occurred_at=at, arrives_at=at)


def _delay_some(
    rng: random.Random, events: list[PlannedEvent], *, share: float, spec: StreamSpec
) -> list[PlannedEvent]:
    late = set(rng.sample(range(len(events)), round(len(events) * share)))
    out = []
    for index, event in enumerate(events):
        if index in late:
            delay = timedelta(minutes=rng.uniform(1, spec.max_late_minutes))
            arrives = _ms(event.occurred_at + delay)
            message = {**event.message, "sentAt": _iso(arrives)}
            event = replace(event, message=message, arrives_at=arrives, late=True)
        out.append(event)
    return out


def _duplicates_of(
    rng: random.Random, events: list[PlannedEvent], count: int
) -> list[PlannedEvent]:
    """Client retries: the same message again, seconds to two minutes later (a client sets
    ``sentAt`` afresh at every send)."""
    copies = []
    for event in rng.sample(events, count):
        again = _ms(event.arrives_at + timedelta(seconds=rng.uniform(1, 120)))
        message = {**event.message, "sentAt": _iso(again)}
        copies.append(replace(event, message=message, arrives_at=again, duplicate=True))
    return copies


def _ms(moment: datetime) -> datetime:
    """Clients send milliseconds; so does the plan, so times survive the wire unchanged."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
