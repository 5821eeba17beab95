"""Setting groups shared by every service.

Each service composes these groups into one ``BaseSettings`` of its own, built once in its
``__main__`` and passed down. Environment variables use ``__`` between group and field, e.g.
``KAFKA__BOOTSTRAP_SERVERS`` or ``DATABASE__URL``.
"""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.auth import Scope

ENV_CONFIG = SettingsConfigDict(env_nested_delimiter="__", env_file=None, extra="ignore")


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "127.0.0.1:9092"
    client_id: str = "boucle"
    # Time the producer may take to get an acknowledgement before a send counts as failed.
    request_timeout_ms: int = 10_000
    linger_ms: int = 0
    max_batch_size: int = 256 * 1024
    compression_type: str | None = None


class TopicSettings(BaseModel):
    raw_events: str = "tracking.events.v1"
    journeys: str = "journeys.v1"
    identities: str = "identities.v1"
    credits: str = "attribution.credits.v1"
    followups: str = "feedback.followups.v1"
    dead_letter: str = "boucle.deadletter.v1"
    late_events: str = "tracking.late-events.v1"


class ConsumerSettings(BaseModel):
    group_id: str
    max_records: int = 500
    poll_timeout_ms: int = 1_000
    # Transient failures (database or broker unreachable) are retried for at most this long,
    # which stays well under Kafka's max.poll.interval.ms (300 s) so the group keeps us.
    retry_budget_s: float = 120.0
    retry_initial_backoff_s: float = 0.5
    retry_max_backoff_s: float = 10.0


class DatabaseSettings(BaseModel):
    url: str = "postgresql+asyncpg://boucle:boucle@127.0.0.1:5432/boucle"
    pool_size: int = 5
    echo: bool = False


class HttpSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000


class LogSettings(BaseModel):
    level: str = "INFO"
    json_format: bool = Field(
        default=True, description="JSON lines when true, plain text otherwise"
    )


class AuthSettings(BaseModel):
    """API tokens (shared/auth.py): how long a verified token is believed without asking
    PostgreSQL (a revocation takes effect within it), and for how long past that a known token
    is still accepted while PostgreSQL is down."""

    token_cache_ttl_s: float = Field(default=10.0, ge=0)
    token_max_stale_s: float = Field(default=300.0, ge=0)


class OpsSettings(BaseModel):
    """Who may read ``/metrics``. Both empty (the default): anyone who reaches the port, as the
    local stack listens on 127.0.0.1 only. Otherwise a peer in one of the networks, or a
    request with an API token of that scope, may."""

    metrics_allow_networks: list[str] = Field(default_factory=list)
    metrics_token_scope: Scope | None = None

    @field_validator("metrics_allow_networks")
    @classmethod
    def _networks(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError as exc:
                raise ValueError(f"not an address or network: {entry!r}") from exc
        return entries


class ConsumerOptions(HttpSettings):
    """A consuming service's own group: where it listens, and how it consumes."""

    consumer: ConsumerSettings


class ServiceSettings(BaseSettings):
    """The groups every service reads; each service adds one group named after itself."""

    model_config = ENV_CONFIG

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
