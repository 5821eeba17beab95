"""Feedback settings: the shared groups plus ``FEEDBACK__*``."""

from __future__ import annotations

from pydantic import Field

from services.feedback.policy import FeedbackPolicy
from shared.settings import ConsumerOptions, ConsumerSettings, ServiceSettings


class FeedbackConsumer(ConsumerSettings):
    # A default per service: setting one consumer variable must not lose the others.
    group_id: str = "boucle-feedback"


class FeedbackOptions(ConsumerOptions):
    port: int = 8003
    consumer: FeedbackConsumer = Field(default_factory=FeedbackConsumer)
    # Negativity, triage rules, SLA, reopen/recovery windows, spike test: FEEDBACK__POLICY__….
    policy: FeedbackPolicy = Field(default_factory=FeedbackPolicy)


class FeedbackSettings(ServiceSettings):
    feedback: FeedbackOptions = Field(default_factory=FeedbackOptions)
