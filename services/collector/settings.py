"""Collector settings: the shared groups plus ``COLLECTOR__*``."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings

from shared.settings import (
    ENV_CONFIG,
    DatabaseSettings,
    HttpSettings,
    KafkaSettings,
    LogSettings,
    TopicSettings,
)


class LimitSettings(BaseModel):
    """Segment's published limits by default."""

    max_event_bytes: int = 32 * 1024
    max_request_bytes: int = 500 * 1024
    max_batch_events: int = 2_500


class CollectorOptions(HttpSettings):
    port: int = 8000
    limits: LimitSettings = Field(default_factory=LimitSettings)
    source_cache_ttl_s: float = 30.0
    # The collector's public URL (scheme, host, prefix) as providers see it, behind a proxy:
    # HubSpot signs the full URL it was configured with. Unset: the URL the request arrived on.
    public_base_url: str | None = None
    # Offline imports stream; this bounds one request (rows are published as they are read).
    max_import_bytes: int = 64 * 1024 * 1024


class CollectorSettings(BaseSettings):
    model_config = ENV_CONFIG

    collector: CollectorOptions = Field(default_factory=CollectorOptions)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    # Only used by `sources seed-demo`, for local stacks; never a default key in production.
    demo_write_key: str = Field(default="demo-write-key", validation_alias="BOUCLE_DEMO_WRITE_KEY")
