"""A shop's last weeks as Segment calls, for the pages' browser test. The demo's visitors (email,
search and social ads with their costs, organic and direct; sign-ins and orders in EUR) spread
over eight days, each buyer answering NPS, some CSAT, detractors among them; regular customers'
answers every week (NPS, CES) with one late-delivery complaint a week for four weeks, then a
burst of them this week: a theme spike against a steady volume; and a buggy sender's refused
events. In time order, as a shop's traffic comes. Pure: the same seed and time, the same stream.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from bench.demo.stream import misread, visit

LATE = (
    "Livraison en retard, le colis n'est jamais arrivé.",
    "My parcel was delivered two weeks late.",
    "Delivery took forever and the box was damaged.",
)
BUYERS = {  # what a buyer says by band: no delivery complaint, so the spike is the regulars'
    "detractor": ("Too expensive for what it is.", "Support never answered my emails."),
    "passive": ("Correct, sans plus.",),
    "promoter": ("Great quality, will buy again.", "Super service, merci !"),
}
REGULARS_PER_WEEK = 20  # a steady volume, so the burst stands out whatever the weekday
BURST = 20


def answer(
    rng: random.Random, event: str, *, user: str, at: datetime, **properties: Any
) -> dict[str, Any]:
    return {
        "type": "track",
        "messageId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "timestamp": at.isoformat(),
        "userId": user,
        "event": event,
        "properties": properties,
    }


def buyer_feedback(rng: random.Random, order: dict[str, Any]) -> list[dict[str, Any]]:
    at = datetime.fromisoformat(order["timestamp"]) + timedelta(minutes=20)
    score = rng.choices(range(11), (3, 1, 2, 2, 2, 3, 3, 6, 8, 10, 8))[0]
    band = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    comment = rng.choice(BUYERS[band])
    user = order["userId"]
    calls = [answer(rng, "NPS Submitted", user=user, at=at, score=score, comment=comment)]
    if rng.random() < 0.4:
        rating = 1 if band == "detractor" else rng.randint(4, 5)
        calls.append(
            answer(rng, "CSAT Submitted", user=user, at=at, rating=rating, comment=comment)
        )
    return calls


def visits(rng: random.Random, *, now: datetime, visitors: int) -> list[dict[str, Any]]:
    """The demo's visits over the last eight days, each buyer's answers our own."""
    calls: list[dict[str, Any]] = []
    for index in range(visitors):
        start = now - timedelta(days=rng.randint(0, 7), hours=3, minutes=rng.randint(0, 600))
        for call in visit(rng, index=index, start=start):
            if call.get("event") in ("NPS Submitted", "CSAT Submitted"):
                continue
            calls.append(call)
            if call.get("event") == "Order Completed":
                calls.extend(buyer_feedback(rng, call))
    return calls


def regulars(rng: random.Random, *, now: datetime) -> list[dict[str, Any]]:
    """Five weeks of answers from regular customers: a steady volume with one late delivery a
    week, then this week a burst of them."""
    calls = []
    for weeks_ago in range(4, -1, -1):
        day = now - timedelta(weeks=weeks_ago, hours=2)
        late = BURST if weeks_ago == 0 else 1
        for n in range(REGULARS_PER_WEEK + late):
            user, at = f"shop-regular-{weeks_ago}-{n}", day - timedelta(minutes=n)
            if n < late:
                nps = {"score": rng.randint(0, 4), "comment": rng.choice(LATE)}
            else:
                nps = {"score": rng.randint(9, 10), "comment": "Great quality, will buy again."}
            calls.append(answer(rng, "NPS Submitted", user=user, at=at, **nps))
        effort = {"score": rng.randint(5, 7), "comment": "Returning the item was easy."}
        calls.append(answer(rng, "CES Submitted", user=f"shop-ces-{weeks_ago}", at=day, **effort))
    return calls


def shop_stream(
    *, seed: int, now: datetime, visitors: int = 48, broken: int = 12
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    calls = [*visits(rng, now=now, visitors=visitors), *regulars(rng, now=now)]
    calls.extend(misread(rng, index=n, at=now - timedelta(minutes=30)) for n in range(broken))
    return sorted(calls, key=lambda call: call["timestamp"])
