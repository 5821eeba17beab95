"""Sessionizer settings: the shared groups plus ``SESSIONIZER__*``."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ConsumerOptions, ConsumerSettings, ServiceSettings


class SessionizerConsumer(ConsumerSettings):
    # A default per service: setting one consumer variable must not lose the others.
    group_id: str = "boucle-sessionizer"
    # A batch is read and written with one statement per table, so its fixed cost is shared by
    # more events the larger it is: 2,000 doubled the events/s of 500 here (README, Benchmark).
    max_records: int = 2000


class SessionizerOptions(ConsumerOptions):
    port: int = 8001
    consumer: SessionizerConsumer = Field(default_factory=SessionizerConsumer)
    session_timeout_minutes: float = 30.0
    max_session_hours: float = 24.0
    # Universal Analytics' behaviour, off by default as in GA4.
    split_on_campaign_change: bool = False
    direct_campaign_timeout_days: float = 0.0
    # Events further behind their partition's stream time go to the late-events topic.
    allowed_lateness_minutes: float = 360.0
    # Conversion event name → lifecycle stage.
    conversion_events: dict[str, str] = Field(
        default_factory=lambda: {"Order Completed": "purchase", "Deal Won": "won"}
    )
    # Touchpoints of their own, never part of a web session.
    touch_events: list[str] = Field(
        default_factory=lambda: [
            "Email Link Clicked",
            "Ad Clicked",
            "Store Visit",
            "Call",
            "Event Attended",
            "Lead Created",
            "Opportunity Created",
            "Meeting Booked",
        ]
    )
    # Neither web activity nor touchpoints: deliveries, opens, bounces, server-side outcomes.
    background_events: list[str] = Field(
        default_factory=lambda: [
            "Email Delivered",
            "Email Opened",
            "Email Bounced",
            "Email Marked as Spam",
            "Unsubscribed",
            "Ad Impression",
            "Deal Won",
            "Deal Lost",
        ]
    )
    default_currency: str = "USD"


class SessionizerSettings(ServiceSettings):
    sessionizer: SessionizerOptions = Field(default_factory=SessionizerOptions)
