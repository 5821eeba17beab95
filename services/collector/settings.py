"""Collector settings: the shared groups plus ``COLLECTOR__*``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from services.collector.addresses import parse_networks
from services.collector.body import Deadlines
from services.collector.privacy import TRACKING_CATEGORIES
from shared.settings import (
    ENV_CONFIG,
    AuthSettings,
    DatabaseSettings,
    Group,
    HttpSettings,
    KafkaSettings,
    LogSettings,
    OpsSettings,
    PagesSettings,
    TopicSettings,
)


class LimitSettings(Group):
    """Segment's published limits by default."""

    max_event_bytes: int = 32 * 1024
    max_request_bytes: int = 500 * 1024
    max_batch_events: int = 2_500
    max_json_depth: int = 32
    # A body that stalls this long, or is not complete within the total, is answered 408. A
    # 500 KB batch needs 50 KB/s to arrive within the total; a healthy client sends it at once.
    body_idle_timeout_s: float = Field(default=10.0, gt=0)
    body_total_timeout_s: float = Field(default=30.0, gt=0)

    def body_deadlines(self) -> Deadlines:
        return Deadlines(idle_s=self.body_idle_timeout_s, total_s=self.body_total_timeout_s)


class RateLimitSettings(Group):
    """Token buckets, per collector process; a rate of 0 disables that limit. See the README for
    why these defaults (Segment asks for at most 1,000 requests/s per workspace)."""

    source_events_per_s: float = Field(default=1_000, ge=0)
    source_events_burst: int = Field(default=10_000, ge=1)
    ip_requests_per_s: float = Field(default=100, ge=0)
    ip_requests_burst: int = Field(default=500, ge=1)
    # Least recently seen addresses are forgotten past this (about 250 bytes each).
    max_tracked_ips: int = Field(default=100_000, ge=1)


class SpoolSettings(Group):
    """Where acknowledged events wait while Kafka cannot take them (one directory per process)."""

    dir: Path = Path(".run/collector-spool")
    max_bytes: int = 1 << 30
    segment_bytes: int = 16 << 20
    # A direct send not acknowledged by Kafka within this time is spooled instead.
    ack_timeout_s: float = 2.0
    replay_batch: int = 500
    reconnect_s: float = 1.0
    stop_timeout_s: float = 5.0


class DedupeSettings(Group):
    max_ids: int = 200_000
    window_s: float = 600.0


class PrivacySettings(Group):
    # Consent categories (Segment's categoryPreferences ids) any one of which allows an event to
    # be sessionized and attributed; an event whose consent object grants none is only counted.
    tracking_categories: tuple[str, ...] = TRACKING_CATEGORIES


class CollectorOptions(HttpSettings):
    port: int = 8000
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    spool: SpoolSettings = Field(default_factory=SpoolSettings)
    dedupe: DedupeSettings = Field(default_factory=DedupeSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    # Proxies (addresses or networks, a JSON list) whose X-Forwarded-For is believed; by default
    # none, and the client is the socket peer.
    trusted_proxies: list[str] = Field(default_factory=list)
    source_cache_ttl_s: float = 30.0
    # The collector's public URL (scheme, host, prefix) as providers see it, behind a proxy:
    # HubSpot signs the full URL it was configured with. Unset: the URL the request arrived on.
    public_base_url: str | None = None
    # Offline imports stream; this bounds one request (rows are published as they are read).
    max_import_bytes: int = 64 * 1024 * 1024
    # The whole of one import: reading 64 MiB and publishing its rows as they come.
    import_timeout_s: float = Field(default=600.0, gt=0)
    # uvloop: more requests per core than asyncio's own loop (README, Benchmark).
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    # Processes sharing the port, each with its own spool (see services/collector/workers.py).
    workers: int = Field(default=1, ge=1)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, entries: list[str]) -> list[str]:
        parse_networks(entries)
        return entries

    @model_validator(mode="after")
    def _batches_fit_the_burst(self) -> CollectorOptions:
        rates, largest = self.rate_limits, self.limits.max_batch_events
        if rates.source_events_per_s > 0 and rates.source_events_burst < largest:
            raise ValueError(
                f"rate_limits.source_events_burst ({rates.source_events_burst}) must be at least "
                f"limits.max_batch_events ({largest}): a full batch could "
                "never be accepted"
            )
        return self


class CollectorSettings(BaseSettings):
    model_config = ENV_CONFIG

    collector: CollectorOptions = Field(default_factory=CollectorOptions)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    pages: PagesSettings = Field(default_factory=PagesSettings)
    # Only used by `sources seed-demo`, for local stacks; never a default key in production.
    demo_write_key: str = Field(default="demo-write-key", validation_alias="BOUCLE_DEMO_WRITE_KEY")
