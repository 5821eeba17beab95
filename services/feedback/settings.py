"""Feedback settings: the shared groups plus ``FEEDBACK__*``."""

from __future__ import annotations

from pydantic import Field

from shared.settings import ConsumerOptions, ConsumerSettings, ServiceSettings


class FeedbackConsumer(ConsumerSettings):
    # A default per service: setting one consumer variable must not lose the others.
    group_id: str = "boucle-feedback"


class FeedbackOptions(ConsumerOptions):
    port: int = 8003
    consumer: FeedbackConsumer = Field(default_factory=FeedbackConsumer)


class FeedbackSettings(ServiceSettings):
    feedback: FeedbackOptions = Field(default_factory=FeedbackOptions)
