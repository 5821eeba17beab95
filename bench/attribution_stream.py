"""A seeded journeys stream shaped like the sessionizer's output, and raw events with ad costs.

Per person: 1-6 touchpoints over two months (web sessions mostly, some email and ad clicks), a
third of them sent again with a higher version (sessions that grew, or merged); a quarter of the
persons buy once or twice; 4 % are B2B leads with Lead Created / Opportunity Created stages and
a won deal, a fifth of those amended later; 3 % are merged into another person, their records
re-sent under the survivor. Records are keyed by person, in rough time order, as emitted.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.events import Campaign, Conversion, Touchpoint, TrackingEvent

START = datetime(2026, 1, 1, tzinfo=UTC)
CHANNELS = {
    "organic_search": 30,
    "paid_search": 20,
    "direct": 18,
    "email": 12,
    "paid_social": 8,
    "display": 6,
    "referral": 4,
    "affiliate": 2,
}
TOUCH_TYPES = {"paid_search": "Ad Clicked", "email": "Email Link Clicked"}


@dataclass(frozen=True, slots=True)
class Stream:
    records: list[tuple[str, bytes]]  # (key, value) in the order they are produced
    persons: int
    conversions: int


def _touch(rng: random.Random, tid: str, person: str, at: datetime) -> Touchpoint:
    channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
    campaign = f"{channel}-{rng.randint(1, 12)}" if channel != "direct" else None
    session = channel not in TOUCH_TYPES or rng.random() < 0.5
    return Touchpoint(
        touchpoint_id=tid,
        person_id=person,
        occurred_at=at,
        channel=channel,
        source=None if channel == "direct" else rng.choice(["google", "bing", "meta", "news"]),
        medium=None if channel == "direct" else rng.choice(["cpc", "email", "social", "organic"]),
        campaign=campaign,
        touch_type="session" if session else TOUCH_TYPES[channel],
    )


def _person(rng: random.Random, n: int) -> Iterator[tuple[datetime, Touchpoint | Conversion]]:
    person = f"person-{n}"
    at = START + timedelta(days=rng.uniform(0, 60))
    for i in range(rng.randint(1, 6)):
        at += timedelta(hours=rng.expovariate(1 / 30))
        touch = _touch(rng, f"t-{n}-{i}", person, at)
        yield at, touch
        if rng.random() < 0.33:
            yield at + timedelta(minutes=20), touch.model_copy(update={"version": 2})
    if rng.random() < 0.25:
        for j in range(rng.choice([1, 1, 1, 2])):
            at += timedelta(hours=rng.uniform(0.1, 48))
            revenue = Decimal(rng.randint(500, 30_000)) / 100
            yield (
                at,
                _conversion(f"c-{n}-{j}", person, at, revenue, currency=rng.choice(["EUR", "USD"])),
            )
    if rng.random() < 0.04:
        yield from _deal(rng, n, person, at)


def _deal(
    rng: random.Random, n: int, person: str, at: datetime
) -> Iterator[tuple[datetime, Touchpoint | Conversion]]:
    for kind, hours in (("Lead Created", 1), ("Opportunity Created", 72)):
        at += timedelta(hours=hours)
        stage = Touchpoint(
            touchpoint_id=f"s-{n}-{kind[0]}",
            person_id=person,
            occurred_at=at,
            channel="crm",
            touch_type=kind,
        )
        yield at, stage
    amount = Decimal(rng.randint(10, 500) * 100)
    at += timedelta(days=rng.uniform(3, 20))
    yield at, _conversion(f"w-{n}", person, at, amount, deal=f"crm:{n}")
    if rng.random() < 0.2:
        later = at + timedelta(days=2)
        yield later, _conversion(f"w-{n}-b", person, later, amount * 2, deal=f"crm:{n}")


def _conversion(
    cid: str,
    person: str,
    at: datetime,
    revenue: Decimal,
    *,
    currency: str = "EUR",
    deal: str | None = None,
) -> Conversion:
    return Conversion(
        conversion_id=cid,
        person_id=person,
        occurred_at=at,
        name="Deal Won" if deal else "Order Completed",
        revenue=revenue,
        currency=currency,
        stage="won" if deal else "purchase",
        deal_id=deal,
    )


def journeys(persons: int, *, seed: int = 7) -> Stream:
    rng = random.Random(seed)
    timed: list[tuple[datetime, Touchpoint | Conversion]] = []
    for n in range(persons):
        timed.extend(_person(rng, n))
    timed.sort(key=lambda pair: pair[0])
    records = [r for _, r in timed]
    merged = [*records, *_merges(rng, records, persons)]
    conversions = sum(isinstance(r, Conversion) for r in records)
    return Stream([(r.person_id, r.to_bytes()) for r in merged], persons, conversions)


def _merges(
    rng: random.Random, records: list[Touchpoint | Conversion], persons: int
) -> list[Touchpoint | Conversion]:
    """3 % of persons absorbed into another: their newest records re-sent, re-keyed."""
    newest: dict[str, Touchpoint | Conversion] = {}
    for record in records:
        key = record.touchpoint_id if isinstance(record, Touchpoint) else record.conversion_id
        newest[key] = record
    absorbed = {
        f"person-{n}": f"person-{rng.randrange(persons)}"
        for n in rng.sample(range(persons), persons * 3 // 100)
    }
    return [
        r.model_copy(update={"person_id": absorbed[r.person_id], "version": r.version + 1})
        for r in newest.values()
        if r.person_id in absorbed
    ]


def raw_events(count: int, *, ad_share: float = 0.05, seed: int = 3) -> list[tuple[str, bytes]]:
    """Page views and tracks, with ``ad_share`` of them Ad Clicked events carrying a cost."""
    rng = random.Random(seed)
    out: list[tuple[str, bytes]] = []
    for n in range(count):
        at = START + timedelta(seconds=n)
        ad = rng.random() < ad_share
        event = TrackingEvent(
            message_id=f"raw-{n}",
            type="track" if ad else "page",
            source_id="bench",
            anonymous_id=f"anon-{rng.randrange(count // 5 + 1)}",
            event="Ad Clicked" if ad else None,
            properties={"cost": rng.randint(10, 300) / 100, "currency": "EUR"}
            if ad
            else {"path": "/shop"},
            timestamp=at,
            received_at=at,
            campaign=Campaign(
                name=f"paid_search-{rng.randint(1, 12)}", source="google", medium="cpc"
            ),
            channel="paid_search",
            page_url="https://shop.example/products?utm_source=google",
        )
        out.append((event.actor_id, event.to_bytes()))
    return out
