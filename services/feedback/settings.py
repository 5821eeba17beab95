"""Feedback settings: the shared groups plus ``FEEDBACK__*``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pydantic import Field, field_validator

from services.feedback.policy import FeedbackPolicy
from services.feedback.text.settings import TextSettings
from shared.settings import ConsumerOptions, ConsumerSettings, Group, ServiceSettings


class FeedbackConsumer(ConsumerSettings):
    # A default per service: setting one consumer variable must not lose the others.
    group_id: str = "boucle-feedback"
    # Most raw events are skipped unread, so a batch's cost is its round trips, not its size:
    # 2,000 records a batch gave 2.6x the records/s of 500 (bench.feedback_consumer, README).
    max_records: int = 2_000


class FeedbackJobs(Group):
    """How often each scheduled job runs (ISO 8601 durations, e.g. ``PT1M``)."""

    # Warnings and escalations of overdue cases.
    sla_period: timedelta = Field(default=timedelta(minutes=1), gt=timedelta(0))
    # Spike alerts over the last complete days and weeks.
    trends_period: timedelta = Field(default=timedelta(hours=1), gt=timedelta(0))
    # Complete days (and the weeks that end in them) each trends run looks back over, so a
    # window missed while the service was down is still alerted, once.
    trends_lookback: timedelta = Field(default=timedelta(days=14), ge=timedelta(days=1))
    # The open-cases gauge.
    gauges_period: timedelta = Field(default=timedelta(seconds=30), gt=timedelta(0))
    # Publishes what the case API staged in the outbox when no batch or other job has.
    relay_period: timedelta = Field(default=timedelta(seconds=2), gt=timedelta(0))


class CustomerValueSettings(Group):
    """Customer value is the person's revenue to date in ``reporting_currency``: conversions in
    another currency count at ``rates`` (the value of one unit in the reporting currency, e.g.
    ``{"EUR": "1.08"}``), and not at all without a rate (see the README)."""

    reporting_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    rates: dict[str, Decimal] = Field(default_factory=dict)

    @field_validator("rates")
    @classmethod
    def _rates(cls, rates: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, rate in rates.items():
            if len(code) != 3 or not code.isalpha() or not code.isupper():
                raise ValueError(f"rates: {code!r} is not a 3-letter upper-case currency code")
            if not rate.is_finite() or rate <= 0:
                raise ValueError(f"rates: the rate of {code} must be a positive number")
        return rates


class FeedbackOptions(ConsumerOptions):
    port: int = 8003
    consumer: FeedbackConsumer = Field(default_factory=FeedbackConsumer)
    # Negativity, triage rules, SLA, reopen/recovery windows, spike test: FEEDBACK__POLICY__….
    policy: FeedbackPolicy = Field(default_factory=FeedbackPolicy)
    jobs: FeedbackJobs = Field(default_factory=FeedbackJobs)
    value: CustomerValueSettings = Field(default_factory=CustomerValueSettings)
    # The FR/EN text reader (services/feedback/text): FEEDBACK__TEXT__…. Off: scores alone
    # decide and comments are stored unread (``NeutralReader``), for tests and for deployments
    # whose comment volume the classifier cannot keep up with (README, Feedback).
    text: TextSettings = Field(default_factory=TextSettings)
    read_text: bool = True


class FeedbackSettings(ServiceSettings):
    feedback: FeedbackOptions = Field(default_factory=FeedbackOptions)
