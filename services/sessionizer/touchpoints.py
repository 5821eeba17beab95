"""What an event means for a journey: a web-session event, a touchpoint of its own, a
conversion, or identity only. Pure functions over plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from services.sessionizer.sessions import Session, WebEvent
from shared.deals import deal_key
from shared.events import Conversion, Touchpoint, TrackingEvent
from shared.ids import stable_id

REVENUE_PROPERTIES = ("revenue", "value", "amount")
WEB_TYPES = frozenset({"page", "screen", "track"})


@dataclass(frozen=True, slots=True)
class EventRoles:
    """Which events do what; every list is a setting (see SessionizerOptions)."""

    # track events that are touchpoints of their own (email clicks, ad clicks, store visits,
    # CRM activities), never part of a web session
    touch_events: frozenset[str]
    # track events that are neither web activity nor touchpoints (deliveries, opens, bounces…)
    background_events: frozenset[str]
    # conversion event name → lifecycle stage
    conversions: Mapping[str, str]
    default_currency: str = "USD"

    def is_web(self, event: TrackingEvent) -> bool:
        if event.type not in WEB_TYPES:
            return False
        name = event.event or ""
        return name not in self.touch_events and name not in self.background_events

    def is_touch(self, event: TrackingEvent) -> bool:
        return event.type == "track" and (event.event or "") in self.touch_events


def web_event(event: TrackingEvent) -> WebEvent:
    campaign = event.campaign
    return WebEvent(
        message_id=event.message_id,
        at=event.timestamp,
        channel=event.channel,
        source=campaign.source or event.referrer_host,
        medium=campaign.medium,
        campaign=campaign.name,
        landing_page=event.page_url,
        tagged=not campaign.is_empty() or bool(event.click_ids),
    )


def session_touchpoint(session: Session, *, person_id: str, version: int) -> Touchpoint:
    credited = session.credited
    return Touchpoint(
        touchpoint_id=session.session_id,
        person_id=person_id,
        session_id=session.session_id,
        occurred_at=session.started_at,
        channel=credited.channel,
        source=credited.source,
        medium=credited.medium,
        campaign=credited.campaign,
        landing_page=session.landing_page,
        version=version,
    )


def says_the_same(touchpoint: Touchpoint, session: Session, *, person_id: str) -> bool:
    """Whether ``touchpoint`` is live and says what ``session_touchpoint`` would say of
    ``session`` (at the touchpoint's version), without building it."""
    credited = session.credited
    return not touchpoint.retracted and (
        touchpoint.touchpoint_id,
        touchpoint.person_id,
        touchpoint.session_id,
        touchpoint.occurred_at,
        touchpoint.channel,
        touchpoint.source,
        touchpoint.medium,
        touchpoint.campaign,
        touchpoint.landing_page,
        touchpoint.touch_type,
    ) == (
        session.session_id,
        person_id,
        session.session_id,
        session.started_at,
        credited.channel,
        credited.source,
        credited.medium,
        credited.campaign,
        session.landing_page,
        "session",
    )


def event_touchpoint(event: TrackingEvent, *, person_id: str) -> Touchpoint:
    """An email click, ad click, offline visit or CRM activity: a touchpoint of its own."""
    return Touchpoint(
        touchpoint_id=stable_id("touch", event.message_id),
        person_id=person_id,
        session_id=None,
        occurred_at=event.timestamp,
        channel=event.channel,
        source=event.campaign.source or event.referrer_host,
        medium=event.campaign.medium,
        campaign=event.campaign.name,
        landing_page=event.page_url,
        touch_type=event.event or "touch",
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


def conversion_of(event: TrackingEvent, person_id: str, roles: EventRoles) -> Conversion | None:
    stage = roles.conversions.get(event.event or "") if event.type == "track" else None
    if stage is None:
        return None
    currency = event.properties.get("currency")
    return Conversion(
        conversion_id=stable_id("conversion", event.message_id),
        person_id=person_id,
        occurred_at=event.timestamp,
        name=event.event or "",
        stage=stage,
        revenue=revenue_of(event.properties),
        currency=str(currency).upper()[:3] if currency else roles.default_currency,
        deal_id=deal_key(event.properties),
    )


LATENESS_BUCKETS = (
    ("on_time", 0.0),
    ("under_1m", 60.0),
    ("under_5m", 300.0),
    ("under_30m", 1800.0),
    ("under_6h", 21600.0),
)


def lateness_bucket(event_at: datetime, stream_time: datetime | None) -> str:
    """How far behind the partition's stream time an event is, as a metric label."""
    behind = 0.0 if stream_time is None else (stream_time - event_at).total_seconds()
    for label, limit in LATENESS_BUCKETS:
        if behind <= limit:
            return label
    return "over_6h"
