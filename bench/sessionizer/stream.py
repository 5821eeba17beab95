"""A seeded, realistic stream of enriched events for the sessionizer benchmark.

Visitors browse in visits of page views (some landing from campaigns), some log in (and some
users come back on a second device, which merges two persons), some order; about 2 % of the
events arrive late (a few of those later than the allowed lateness) and about 1 % twice. The
stream is in arrival order and keyed as the collector keys it (anonymousId, else userId).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events import Campaign, TrackingEvent

START = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
CAMPAIGNS = (
    ("paid_search", "google", "cpc", "brand"),
    ("paid_search", "bing", "cpc", "generic"),
    ("email", "newsletter", "email", "spring"),
    ("paid_social", "facebook", "paid_social", "retargeting"),
    ("organic_search", "google", "organic", None),
)
PAGES = ("/", "/shoes", "/shoes/trail", "/bags", "/cart", "/checkout", "/about", "/blog/fit")
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)


@dataclass(frozen=True, slots=True)
class Arrival:
    key: str
    value: bytes


@dataclass
class _Visitor:
    rng: random.Random
    number: int
    user_id: str | None
    at: datetime

    @property
    def anonymous_id(self) -> str:
        return f"anon-{self.number}"


def _event(visitor: _Visitor, serial: int, kind: str, at: datetime, **fields: Any) -> TrackingEvent:
    context = {
        "library": {"name": "analytics.js", "version": "5.2.0"},
        "userAgent": USER_AGENT,
        "locale": "fr-FR",
        "page": {"path": fields.get("page_url", "/"), "title": "Shop"},
    }
    return TrackingEvent.model_validate(
        {
            "message_id": f"m-{visitor.number}-{serial}",
            "type": kind,
            "source_id": "bench",
            "anonymous_id": visitor.anonymous_id,
            "timestamp": at,
            "original_timestamp": at,
            "sent_at": at,
            "received_at": at,
            "context": context,
            **fields,
        }
    )


def _page(visitor: _Visitor, serial: int, at: datetime, *, landing: bool) -> TrackingEvent:
    rng = visitor.rng
    path = rng.choice(PAGES)
    if landing and rng.random() < 0.55:
        channel, source, medium, name = rng.choice(CAMPAIGNS)
        query = f"?utm_source={source}&utm_medium={medium}" + (
            f"&utm_campaign={name}" if name else ""
        )
        return _event(
            visitor,
            serial,
            "page",
            at,
            channel=channel,
            campaign=Campaign(name=name, source=source, medium=medium),
            page_url=f"https://shop.example{path}{query}",
            referrer_host=f"www.{source}.com",
        )
    return _event(visitor, serial, "page", at, page_url=f"https://shop.example{path}")


def _visit(visitor: _Visitor, serial: int, *, identify_at: int | None) -> list[TrackingEvent]:
    rng = visitor.rng
    out: list[TrackingEvent] = []
    for i in range(rng.randint(1, 12)):
        visitor.at += timedelta(seconds=rng.randint(20, 600))
        out.append(_page(visitor, serial + i, visitor.at, landing=i == 0))
        if identify_at == i and visitor.user_id:
            email = hashlib.sha256(f"{visitor.user_id}@example.com".encode()).hexdigest()
            out.append(
                _event(
                    visitor,
                    serial + 100 + i,
                    "identify",
                    visitor.at,
                    user_id=visitor.user_id,
                    identities={"email": email},
                )
            )
    return out


def _journey(visitor: _Visitor) -> list[TrackingEvent]:
    rng = visitor.rng
    events: list[TrackingEvent] = []
    for visit in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
        identify_at = rng.randint(0, 3) if visit == 0 and rng.random() < 0.6 else None
        events += _visit(visitor, visit * 1000, identify_at=identify_at)
        visitor.at += timedelta(hours=rng.choice((2, 5, 11, 20, 30)))
    if visitor.user_id and rng.random() < 0.25:
        events.append(
            _event(
                visitor,
                999_999,
                "track",
                visitor.at - timedelta(hours=1),
                user_id=visitor.user_id,
                event="Order Completed",
                properties={"revenue": rng.randint(20, 400), "currency": "EUR"},
            )
        )
    return events


def events_of(count: int, *, seed: int = 1) -> list[TrackingEvent]:
    """About ``count`` distinct events, in event-time order."""
    rng = random.Random(seed)
    events: list[TrackingEvent] = []
    number = 0
    users: list[str] = []
    while len(events) < count:
        # 45 % of visitors have an account; about one user in eight comes back on a second
        # device, which merges the two devices' persons when it logs in.
        user = f"user-{number}" if rng.random() < 0.45 else None
        if users and rng.random() < 0.06:
            user = rng.choice(users)
        elif user:
            users.append(user)
        at = START + timedelta(minutes=rng.randint(0, 3 * 24 * 60))
        visitor = _Visitor(random.Random(rng.random()), number, user, at)
        events += _journey(visitor)
        number += 1
    events.sort(key=lambda event: event.timestamp)
    return events[:count]


def stream(count: int, *, seed: int = 1) -> list[Arrival]:
    """``count`` events in arrival order: mostly in time order, ~2 % delayed by up to 12 hours
    (the allowed lateness is 6), ~1 % sent twice."""
    rng = random.Random(seed + 1)
    timed: list[tuple[datetime, int, TrackingEvent]] = []
    for index, event in enumerate(events_of(count, seed=seed)):
        delay = timedelta(0)
        if rng.random() < 0.02:
            delay = timedelta(minutes=rng.randint(1, 12 * 60))
        timed.append((event.timestamp + delay, index, event))
        if rng.random() < 0.01:
            timed.append((event.timestamp + delay + timedelta(seconds=5), index, event))
    timed.sort(key=lambda item: (item[0], item[1]))
    return [Arrival(event.actor_id, event.to_bytes()) for _, _, event in timed]
