"""Sessions, touchpoints and conversions of one person. Pure functions over plain data.

A session groups a person's events separated by less than the inactivity timeout (30 minutes
by default, as GA4, Snowplow, Matomo and Adobe do) and never longer than the maximum length.
Each session is one touchpoint, whose channel is decided by the session's first event.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.events import Conversion, Touchpoint, TrackingEvent
from shared.ids import stable_id

SESSION_EVENT_TYPES = frozenset({"page", "screen", "track"})
REVENUE_PROPERTIES = ("revenue", "value", "amount")


@dataclass(frozen=True, slots=True)
class SessionRules:
    timeout: timedelta = timedelta(minutes=30)
    max_length: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class SessionState:
    session_id: str
    person_id: str
    started_at: datetime
    last_event_at: datetime
    event_count: int


def continues(session: SessionState, at: datetime, rules: SessionRules) -> bool:
    """Whether an event at ``at`` belongs to ``session`` rather than starting a new one."""
    within_gap = session.started_at - rules.timeout <= at <= session.last_event_at + rules.timeout
    new_start = min(session.started_at, at)
    new_end = max(session.last_event_at, at)
    return within_gap and new_end - new_start <= rules.max_length


def extend(session: SessionState, at: datetime) -> SessionState:
    return SessionState(
        session_id=session.session_id,
        person_id=session.person_id,
        started_at=min(session.started_at, at),
        last_event_at=max(session.last_event_at, at),
        event_count=session.event_count + 1,
    )


def start(person_id: str, event: TrackingEvent) -> SessionState:
    return SessionState(
        session_id=stable_id("session", person_id, event.message_id),
        person_id=person_id,
        started_at=event.timestamp,
        last_event_at=event.timestamp,
        event_count=1,
    )


def touchpoint_of(session: SessionState, first_event: TrackingEvent) -> Touchpoint:
    return Touchpoint(
        touchpoint_id=session.session_id,
        person_id=session.person_id,
        session_id=session.session_id,
        occurred_at=session.started_at,
        channel=first_event.channel,
        source=first_event.campaign.source or first_event.referrer_host,
        medium=first_event.campaign.medium,
        campaign=first_event.campaign.name,
        landing_page=first_event.page_url,
    )


def revenue_of(properties: Mapping[str, Any]) -> Decimal:
    """Segment's ``revenue``, else ``value`` or ``amount``; zero when none is a number."""
    for name in REVENUE_PROPERTIES:
        value = properties.get(name)
        if value is None or isinstance(value, bool):
            continue
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            continue
        if amount.is_finite():
            return amount
    return Decimal(0)


def conversion_of(
    event: TrackingEvent,
    person_id: str,
    *,
    conversion_events: Collection[str],
    default_currency: str,
) -> Conversion | None:
    if event.type != "track" or event.event not in conversion_events:
        return None
    currency = event.properties.get("currency")
    return Conversion(
        conversion_id=stable_id("conversion", event.message_id),
        person_id=person_id,
        occurred_at=event.timestamp,
        name=event.event,
        revenue=revenue_of(event.properties),
        currency=str(currency).upper() if currency else default_currency,
    )
