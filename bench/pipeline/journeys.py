"""Who the generated visitors are and what they do, before any time is given. Pure.

``stream.py`` places these in time; here are the shares of the mix: how people arrive (channel
mix of landing pages), who identifies (some on two devices), who orders, who answers a survey.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

SITE = "https://shop.example"
TWO_DEVICES = 0.15  # of identified persons
IDENTIFIED = 0.35  # of single-device persons
ORDER_IF_IDENTIFIED, ORDER_IF_ANONYMOUS, SECOND_ORDER = 0.45, 0.03, 0.1
EMAIL_CLICK, AD_CLICK = 0.08, 0.04  # of sessions
NPS, CSAT = 0.10, 0.04  # of devices
CAMPAIGNS = ("spring-sale", "newsletter-may", "brand", "retargeting", "launch", "black-friday")
CURRENCIES = ("EUR", "EUR", "USD", "GBP")
COMMENTS = {
    "negative": ("late delivery", "support never answered", "broken on arrival", "too expensive"),
    "neutral": ("ok", "fine, a bit slow", "average"),
    "positive": ("great service", "fast delivery", "love it"),
}
AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari"


@dataclass
class Session:
    number: int
    landing: dict[str, Any]
    touch: dict[str, Any] | None = None
    identify: dict[str, Any] | None = None
    order: dict[str, Any] | None = None
    views: list[str] = field(default_factory=list)  # "page" or "product", after the landing

    def touch_kind(self) -> str:
        is_email = self.touch is not None and self.touch["event"] == "Email Link Clicked"
        return "email_click" if is_email else "ad_click"

    def event_count(self) -> int:
        optional = (self.touch, self.identify, self.order)
        return 1 + len(self.views) + sum(1 for part in optional if part is not None)


@dataclass
class Device:
    anonymous_id: str
    user_id: str | None
    sessions: list[Session] = field(default_factory=list)
    survey: dict[str, Any] | None = None

    def survey_kind(self) -> str:
        return "nps" if self.survey and self.survey["event"] == "NPS Submitted" else "csat"

    def event_count(self) -> int:
        return sum(s.event_count() for s in self.sessions) + (self.survey is not None)

    def view(self, kind: str, session: Session, index: int) -> dict[str, Any]:
        """A page or product view after the landing, referred by the site itself."""
        path = f"/p/{index}" if kind == "product" else f"/c/{index % 7}"
        message = self.message(f"s{session.number}-v{index}", "page" if kind == "page" else "track")
        message["context"]["page"] = {"url": SITE + path, "referrer": SITE + "/"}
        if kind == "product":
            message["event"] = "Product Viewed"
            message["properties"] = {"product_id": f"p-{index}", "price": 19.9}
        return message

    def message(self, suffix: str, kind: str, *, with_user: bool = False) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": kind,
            "messageId": f"{self.anonymous_id}-{suffix}",
            "anonymousId": self.anonymous_id,
            "context": {"userAgent": AGENT},
        }
        if with_user and self.user_id:
            message["userId"] = self.user_id
        return message


def plan_persons(rng: random.Random, visitors: int, *, tag: str) -> list[Device]:
    """``visitors`` devices, grouped into persons."""
    devices: list[Device] = []
    person = 0
    while len(devices) < visitors:
        person += 1
        identified = rng.random() < IDENTIFIED
        two = identified and rng.random() < TWO_DEVICES and visitors - len(devices) >= 2
        user_id = f"{tag}-u{person}" if identified else None
        for device_number in range(2 if two else 1):
            device = Device(f"{tag}-a{person}-{device_number}", user_id)
            _fill(rng, device)
            devices.append(device)
    return devices


def _fill(rng: random.Random, device: Device) -> None:
    count = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
    device.sessions = [_session(rng, device, number) for number in range(count)]
    if device.user_id is not None:
        device.sessions[rng.randrange(count)].identify = _identify(device)
    ordering = ORDER_IF_IDENTIFIED if device.user_id else ORDER_IF_ANONYMOUS
    if rng.random() < ordering:
        device.sessions[-1].order = _order(rng, device, device.sessions[-1].number)
        if count > 1 and rng.random() < SECOND_ORDER:
            device.sessions[0].order = _order(rng, device, 0)
    draw = rng.random()
    if draw < NPS + CSAT:
        device.survey = _nps(rng, device) if draw < NPS else _csat(rng, device)


def _session(rng: random.Random, device: Device, number: int) -> Session:
    draw = rng.random()
    landing = device.message(f"s{number}-l", "page")
    if draw < EMAIL_CLICK:
        campaign = rng.choice(CAMPAIGNS)
        touch = _touch(device, number, "Email Link Clicked", campaign)
        _land(landing, f"utm_source=newsletter&utm_medium=email&utm_campaign={campaign}", None)
        return Session(number, landing, touch=touch)
    if draw < EMAIL_CLICK + AD_CLICK:
        campaign = rng.choice(CAMPAIGNS)
        touch = _touch(device, number, "Ad Clicked", campaign)
        click = touch["properties"]["click_id"]
        _land(
            landing, f"utm_source=google&utm_medium=cpc&utm_campaign={campaign}&gclid={click}", None
        )
        return Session(number, landing, touch=touch)
    query, referrer = _arrival(rng)
    _land(landing, query, referrer)
    return Session(number, landing)


def _arrival(rng: random.Random) -> tuple[str, str | None]:
    """The query string and referrer of a landing page, by a plausible channel mix."""
    campaign = rng.choice(CAMPAIGNS)
    options: list[tuple[float, tuple[str, str | None]]] = [
        (25, ("", None)),  # direct
        (20, ("", "https://www.google.com/")),  # organic search
        (
            12,
            (
                f"utm_source=google&utm_medium=cpc&utm_campaign={campaign}",
                "https://www.google.com/",
            ),
        ),
        (10, (f"utm_source=facebook&utm_medium=paid_social&utm_campaign={campaign}", None)),
        (10, (f"utm_source=newsletter&utm_medium=email&utm_campaign={campaign}", None)),
        (8, ("", "https://t.co/")),  # organic social
        (7, ("", "https://blog.example.org/review")),  # referral
        (8, (f"utm_source=partner&utm_medium=affiliate&utm_campaign={campaign}", None)),
    ]
    weights = [weight for weight, _ in options]
    return rng.choices([option for _, option in options], weights=weights)[0]


def _land(message: dict[str, Any], query: str, referrer: str | None) -> None:
    page: dict[str, Any] = {"url": f"{SITE}/" + (f"?{query}" if query else "")}
    if referrer:
        page["referrer"] = referrer
    message["context"]["page"] = page


def _touch(device: Device, number: int, event: str, campaign: str) -> dict[str, Any]:
    message = device.message(f"s{number}-t", "track", with_user=True)
    message["event"] = event
    if event == "Ad Clicked":
        click_id = f"gc-{device.anonymous_id}-{number}"
        properties = {"campaign": campaign, "network": "google", "click_id": click_id}
        message["properties"] = {**properties, "click_id_type": "gclid", "cost": 0.4}
    else:
        message["context"]["campaign"] = {
            "name": campaign,
            "source": "newsletter",
            "medium": "email",
        }
    return message


def _identify(device: Device) -> dict[str, Any]:
    message = device.message("id", "identify", with_user=True)
    message["traits"] = {"email": f"{device.user_id}@example.com", "plan": "free"}
    return message


def _order(rng: random.Random, device: Device, number: int) -> dict[str, Any]:
    message = device.message(f"s{number}-o", "track", with_user=True)
    message["event"] = "Order Completed"
    revenue = round(rng.uniform(10, 400), 2)
    message["properties"] = {"revenue": revenue, "currency": rng.choice(CURRENCIES)}
    return message


def _nps(rng: random.Random, device: Device) -> dict[str, Any]:
    message = device.message("f", "track", with_user=True)
    message["event"] = "NPS Submitted"
    score = rng.choices(range(11), weights=(3, 2, 3, 4, 4, 8, 11, 12, 13, 18, 22))[0]
    mood = "negative" if score <= 6 else "neutral" if score <= 8 else "positive"
    message["properties"] = {"score": score, **_comment(rng, mood)}
    return message


def _csat(rng: random.Random, device: Device) -> dict[str, Any]:
    message = device.message("f", "track", with_user=True)
    message["event"] = "CSAT Submitted"
    score = rng.choices(range(1, 6), weights=(8, 10, 17, 30, 35))[0]
    mood = "negative" if score <= 2 else "neutral" if score == 3 else "positive"
    message["properties"] = {"score": score, "scale": "1-5", **_comment(rng, mood)}
    return message


def _comment(rng: random.Random, mood: str) -> dict[str, str]:
    return {"comment": rng.choice(COMMENTS[mood])} if rng.random() < 0.7 else {}
