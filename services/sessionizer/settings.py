"""Sessionizer settings: the shared groups plus ``SESSIONIZER__*``."""

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


class SessionizerOptions(HttpSettings):
    port: int = 8001
    consumer: ConsumerSettings = Field(
        default_factory=lambda: ConsumerSettings(group_id="boucle-sessionizer")
    )
    session_timeout_minutes: float = 30.0
    max_session_hours: float = 24.0
    conversion_events: list[str] = Field(default_factory=lambda: ["Order Completed", "Deal Won"])
    default_currency: str = "USD"


class SessionizerSettings(BaseSettings):
    model_config = ENV_CONFIG

    sessionizer: SessionizerOptions = Field(default_factory=SessionizerOptions)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    log: LogSettings = Field(default_factory=LogSettings)
