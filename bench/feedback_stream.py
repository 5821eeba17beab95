"""The synthetic stream of ``bench.feedback_consumer``: raw events of which a share is feedback
(NPS and CSAT answers, a quarter negative, most with a comment), and the identity links and
touchpoints of half of the people, which the consumer reads first. Seeded: every run is alike."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.events import IdentityLink, Touchpoint, TrackingEvent

START = datetime(2026, 3, 1, tzinfo=UTC)
COMMENTS = ("late delivery", "great service", "app keeps crashing", "ok", "billing was wrong")


@dataclass(frozen=True, slots=True)
class Stream:
    raw: list[tuple[str, bytes]]
    links: list[tuple[str, bytes]]
    journeys: list[tuple[str, bytes]]
    feedback: int


def event(rng: random.Random, n: int, *, share: float, people: int) -> TrackingEvent:
    """The ``n``-th raw event: feedback with probability ``share``, else a page view (70 %) or
    a product view, from one of ``people`` (each with a device and a login)."""
    user = rng.randrange(people)
    at = START + timedelta(seconds=n)
    base = {
        "messageId": f"bench-{n}",
        "sourceId": "bench",
        "anonymousId": f"device-{user}",
        "userId": f"user-{user}",
        "timestamp": at,
        "receivedAt": at,
        "context": {"userAgent": "Mozilla/5.0 (X11; Linux x86_64)", "locale": "fr-FR"},
    }
    if rng.random() < share:
        body = {"type": "track", **answer(rng)}
    elif rng.random() < 0.7:
        url = f"https://shop.example/p/{rng.randrange(500)}"
        body = {"type": "page", "name": "Product", "properties": {"url": url, "title": "A product"}}
    else:
        body = {"type": "track", "event": "Product Viewed", "properties": {"sku": f"s{n % 97}"}}
    return TrackingEvent.model_validate({**base, **body})


def answer(rng: random.Random) -> dict[str, object]:
    """An NPS (two in three) or CSAT answer, negative one time in four, with a comment seven
    times in ten."""
    nps = rng.random() < 2 / 3
    negative = rng.random() < 0.25
    if nps:
        score = rng.randint(0, 6) if negative else rng.randint(7, 10)
    else:
        score = rng.randint(1, 2) if negative else rng.randint(3, 5)
    props: dict[str, object] = {"score": score}
    if rng.random() < 0.7:
        props["comment"] = rng.choice(COMMENTS)
    return {"event": "NPS Submitted" if nps else "CSAT Submitted", "properties": props}


def stream(records: int, *, share: float, people: int, seed: int = 12) -> Stream:
    rng = random.Random(seed)
    events = [event(rng, n, share=share, people=people) for n in range(records)]
    known = range(0, people, 2)
    links = [
        (identifier, IdentityLink(identifier=identifier, person_id=f"person-{p}").to_bytes())
        for p in known
        for identifier in (f"user-{p}", f"device-{p}")
    ]
    journeys = [
        (
            f"person-{p}",
            Touchpoint(
                touchpoint_id=f"tp-{p}",
                person_id=f"person-{p}",
                occurred_at=START - timedelta(days=1),
                channel=rng.choice(["email", "paid_search", "direct"]),
                campaign=rng.choice(["spring", "brand", None]),
            ).to_bytes(),
        )
        for p in known
    ]
    feedback = sum(1 for e in events if e.type == "track" and e.event and "Submitted" in e.event)
    return Stream([(e.actor_id, e.to_bytes()) for e in events], links, journeys, feedback)
