"""A small, plausible hour of a shop, as Segment calls: visitors from campaigns (email, search and
social ads with their clicks and costs, organic, direct), page views, sign-ins, orders, NPS and
CSAT answers with comments in French and English (detractors included), and the events of a
sender whose new release gets them wrong (an NPS of 11, a currency that is not one), which the
collector refuses. Pure: the same seed gives the same stream."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SHOP = "https://shop.example"
PRODUCTS = (("sneakers", 89.0), ("rain-jacket", 129.0), ("socks-3pack", 14.5), ("backpack", 65.0))
COMMENTS = {
    "detractor": (
        ("fr", "Livraison en retard de deux semaines et personne ne répond au téléphone."),
        ("fr", "Colis arrivé ouvert, le remboursement traîne depuis un mois."),
        ("fr", "Trop cher pour la qualité, je ne recommanderai pas."),
        ("en", "Support never answered my emails about the broken zip."),
        ("en", "Checkout failed three times, I almost gave up."),
        ("en", "The jacket leaks in the rain. I want my money back."),
    ),
    "passive": (("fr", "Correct, sans plus."), ("en", "Fine overall, shipping was slow.")),
    "promoter": (
        ("fr", "Super service, livraison rapide !"),
        ("en", "Great quality, will buy again."),
    ),
}


@dataclass(frozen=True, slots=True)
class Arrival:
    """How a visitor reached the shop: the landing URL's campaign, and the ad click before it."""

    query: str
    ad: dict[str, Any] | None = None
    referrer: str | None = None


def arrival(rng: random.Random) -> Arrival:
    kind = rng.choices(("email", "search", "social", "organic", "direct"), (3, 3, 2, 2, 1))[0]
    if kind == "email":
        return Arrival("?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale")
    if kind in ("search", "social"):
        network, id_type = ("google", "gclid") if kind == "search" else ("facebook", "fbclid")
        click = f"demo{rng.getrandbits(48):x}"
        ad = {
            "campaign": f"{network}-spring",
            "network": network,
            "creative": rng.choice(("banner-1", "video-2", "carousel-3")),
            "click_id": click,
            "click_id_type": id_type,
            "cost": round(rng.uniform(0.2, 1.8), 2),
            "currency": "EUR",
        }
        return Arrival(f"?{id_type}={click}", ad=ad)
    if kind == "organic":
        return Arrival("", referrer="https://www.google.com/")
    return Arrival("")


class Visit:
    """One visitor's calls, in time order, from ``start``."""

    def __init__(self, rng: random.Random, *, index: int, start: datetime) -> None:
        self.rng = rng
        # A new device each run, the same customers: a second run stitches new devices to them.
        self.anonymous_id = f"demo-anon-{rng.getrandbits(40):x}"
        self.user_id = f"demo-customer-{index}"
        self.at = start
        self.calls: list[dict[str, Any]] = []

    def call(self, kind: str, **fields: Any) -> None:
        self.at += timedelta(seconds=self.rng.randint(5, 240))
        message = {
            "type": kind,
            "messageId": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "timestamp": self.at.isoformat(),
            "anonymousId": self.anonymous_id,
            **fields,
        }
        self.calls.append(message)

    def track(self, event: str, properties: dict[str, Any], **fields: Any) -> None:
        self.call("track", event=event, properties=properties, **fields)

    def page(self, path: str, *, query: str = "", referrer: str | None = None) -> None:
        page: dict[str, Any] = {"url": f"{SHOP}{path}{query}", "path": path}
        if referrer:
            page["referrer"] = referrer
        self.call("page", name=path.strip("/") or "home", context={"page": page})


def visit(rng: random.Random, *, index: int, start: datetime) -> list[dict[str, Any]]:
    calls = Visit(rng, index=index, start=start)
    came = arrival(rng)
    if came.ad is not None:
        calls.track("Ad Impression", {**came.ad, "cost": round(came.ad["cost"] / 40, 4)})
        calls.track("Ad Clicked", came.ad)
    calls.page("/", query=came.query, referrer=came.referrer)
    for _ in range(rng.randint(0, 3)):
        calls.page(f"/products/{rng.choice(PRODUCTS)[0]}")
    if rng.random() < 0.45:
        language = rng.choice(("fr", "en"))
        traits = {"email": f"customer{index}@example.com", "language": language}
        calls.call("identify", userId=calls.user_id, traits=traits)
        if rng.random() < 0.6:
            order(calls, index=index)
            feedback(calls)
    return calls.calls


def order(calls: Visit, *, index: int) -> None:
    items = calls.rng.sample(PRODUCTS, calls.rng.randint(1, 2))
    properties = {
        "order_id": f"demo-order-{index}-{calls.rng.getrandbits(32):x}",
        "revenue": round(sum(price for _, price in items), 2),
        "currency": "EUR",
        "products": [{"product_id": name, "price": price} for name, price in items],
    }
    calls.track("Order Completed", properties, userId=calls.user_id)


def feedback(calls: Visit) -> None:
    rng = calls.rng
    score = rng.choices(range(11), (4, 2, 2, 3, 3, 4, 5, 8, 10, 12, 10))[0]
    band = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    language, comment = rng.choice(COMMENTS[band])
    answer = {"score": score, "comment": comment, "language": language}
    calls.track("NPS Submitted", answer, userId=calls.user_id)
    if rng.random() < 0.5:
        rating = 1 if band == "detractor" else rng.randint(3, 5)
        answer = {"rating": rating, "comment": comment, "channel": "support_chat"}
        calls.track("CSAT Submitted", answer, userId=calls.user_id)


def misread(rng: random.Random, *, index: int, at: datetime) -> dict[str, Any]:
    """What a buggy sender sends; the collector refuses it and keeps it as a dead letter."""
    message_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    properties = rng.choice(
        ({"score": 11, "comment": "10/10 would buy again!!"}, {"revenue": 20, "currency": "euros"})
    )
    event = "NPS Submitted" if "score" in properties else "Order Completed"
    return {
        "type": "track",
        "messageId": message_id,
        "timestamp": at.isoformat(),
        "userId": f"demo-customer-{index}",
        "event": event,
        "properties": properties,
    }


def demo_stream(
    visitors: int, *, seed: int, now: datetime, broken: int = 0
) -> list[dict[str, Any]]:
    """Every visitor's calls; visits start 90 to 50 minutes before ``now`` and last under 40."""
    rng = random.Random(seed)
    stream: list[dict[str, Any]] = []
    for index in range(visitors):
        start = now - timedelta(minutes=90) + timedelta(seconds=rng.randint(0, 2400))
        stream.extend(visit(rng, index=index, start=start))
    for index in range(broken):
        stream.append(misread(rng, index=index, at=now - timedelta(minutes=5)))
    rng.shuffle(stream)  # many visitors at once, as a collector sees them
    return stream
