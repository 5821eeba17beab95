"""Feedback settings: the shared groups plus ``FEEDBACK__*``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from shared.settings import (
    ENV_CONFIG,
    ConsumerSettings,
    DatabaseSettings,
    HttpSettings,
    KafkaSettings,
    LogSettings,
    TopicSettings,
)


class FeedbackConsumer(ConsumerSettings):
    # A default per service: setting one consumer variable must not lose the others.
    group_id: str = "boucle-feedback"


class FeedbackOptions(HttpSettings):
    port: int = 8003
    consumer: FeedbackConsumer = Field(default_factory=FeedbackConsumer)


class FeedbackSettings(BaseSettings):
    model_config = ENV_CONFIG

    feedback: FeedbackOptions = Field(default_factory=FeedbackOptions)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    log: LogSettings = Field(default_factory=LogSettings)
