"""Event-time sessions of one person. Pure functions over plain data, no I/O.

A person's web events are cut into *chains*: maximal runs in which consecutive events are at most
the inactivity timeout apart (30 minutes by default, as GA4, Snowplow, Matomo and Adobe do).
Chains never interleave, so each is sessionized on its own: a chain is cut again where a session
would outgrow the maximum length (24 h by default), and optionally where the campaign changes
(Universal Analytics did; GA4 does not). Also as Universal Analytics did, and off by default, a
session that starts direct can keep the campaign of the person's last tagged visit within a
campaign timeout. Events are ordered by (event time, messageId), and a
session's id comes from its first event's messageId, so the same set of events always gives the
same sessions, whatever order they arrived in. An event that arrives late is applied by
recomputing only its chain: one late event can bridge two sessions into one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.ids import stable_id


@dataclass(frozen=True, slots=True)
class SessionRules:
    timeout: timedelta = timedelta(minutes=30)
    max_length: timedelta = timedelta(hours=24)
    split_on_campaign_change: bool = False
    # > 0: a direct session keeps the last campaign seen within this long before it.
    direct_campaign_timeout: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class WebEvent:
    """What sessionization needs of one page view, screen or web track event."""

    message_id: str
    at: datetime
    channel: str
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    landing_page: str | None = None
    tagged: bool = False  # carries campaign tags or an ad click id

    @property
    def campaign_key(self) -> tuple[str | None, str | None, str | None]:
        return (self.source, self.medium, self.campaign)


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    started_at: datetime
    last_event_at: datetime
    event_count: int
    first: WebEvent
    # The event whose channel and campaign the touchpoint takes: the first one that says how
    # the visitor came (tagged, or any channel but direct), else the first; for a direct
    # session under ``direct_campaign_timeout``, the last tagged event before it.
    credited: WebEvent
    landing_page: str | None


@functools.lru_cache(maxsize=1 << 16)
def session_id_of(first_message_id: str) -> str:
    # Memoised: a chain is recomputed at every event that reaches it.
    return stable_id("session", first_message_id)


def order_key(event: WebEvent) -> tuple[datetime, str]:
    return (event.at, event.message_id)


def _starts_new_session(current: list[WebEvent], event: WebEvent, rules: SessionRules) -> bool:
    if event.at - current[-1].at > rules.timeout:
        return True
    if event.at - current[0].at > rules.max_length:
        return True
    return (
        rules.split_on_campaign_change
        and event.tagged
        and event.campaign_key != _campaign_of(current)
    )


def _campaign_of(events: Sequence[WebEvent]) -> tuple[str | None, str | None, str | None]:
    """The campaign in force: the last tagged event's, else none."""
    tagged = _campaign_event(events)
    return tagged.campaign_key if tagged else (None, None, None)


def _session(
    events: Sequence[WebEvent], last_tagged: WebEvent | None, rules: SessionRules
) -> Session:
    # Events of one instant (clients often send milliseconds) are ordered by messageId, which
    # says nothing; so the source is the first event that has one, not merely the first event.
    first = events[0]
    source = next((e for e in events if e.tagged or e.channel != "direct"), first)
    landing = next((e.landing_page for e in events if e.landing_page), None)
    return Session(
        session_id=session_id_of(first.message_id),
        started_at=first.at,
        last_event_at=events[-1].at,
        event_count=len(events),
        first=first,
        credited=_credited(source, last_tagged, rules),
        landing_page=landing,
    )


def _credited(source: WebEvent, last_tagged: WebEvent | None, rules: SessionRules) -> WebEvent:
    timeout = rules.direct_campaign_timeout
    if (
        timeout
        and source.channel == "direct"
        and last_tagged is not None
        and source.at - last_tagged.at <= timeout
    ):
        return last_tagged
    return source


def sessionize(
    events: Iterable[WebEvent], rules: SessionRules, *, prior_tagged: WebEvent | None = None
) -> list[Session]:
    """The sessions of a set of events (duplicates by messageId count once), oldest first.
    ``prior_tagged`` is the person's last tagged event before these (for direct sessions)."""
    unique = {event.message_id: event for event in events}
    sessions: list[Session] = []
    current: list[WebEvent] = []
    last_tagged = prior_tagged
    for event in sorted(unique.values(), key=order_key):
        if current and _starts_new_session(current, event, rules):
            sessions.append(_session(current, last_tagged, rules))
            last_tagged = _campaign_event(current) or last_tagged
            current = []
        current.append(event)
    if current:
        sessions.append(_session(current, last_tagged, rules))
    return sessions


def _campaign_event(events: Sequence[WebEvent]) -> WebEvent | None:
    tagged = [event for event in events if event.tagged]
    return tagged[-1] if tagged else None


def chain_bounds(
    spans: Iterable[tuple[datetime, datetime]], at: datetime, rules: SessionRules
) -> tuple[datetime, datetime]:
    """The time range of the chain an event at ``at`` belongs to, given the existing sessions'
    (start, end) spans: every session within the timeout of it, and of those, transitively."""
    low = high = at
    remaining = sorted(spans)
    grew = True
    while grew:
        grew = False
        for start, end in list(remaining):
            if start - rules.timeout <= high and end + rules.timeout >= low:
                low, high = min(low, start), max(high, end)
                remaining.remove((start, end))
                grew = True
    return low, high
