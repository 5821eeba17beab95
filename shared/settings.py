"""Setting groups shared by every service.

Each service composes these groups into one ``BaseSettings`` of its own, built once when the
process starts and passed down, frozen. Environment variables use ``__`` between group and
field, e.g. ``KAFKA__BOOTSTRAP_SERVERS`` or ``DATABASE__URL``.
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from shared.auth import Scope

ENV_CONFIG = SettingsConfigDict(
    env_nested_delimiter="__", env_file=None, extra="ignore", frozen=True
)


class Group(BaseModel):
    """A settings group: frozen once built, so nothing changes a setting behind a service."""

    model_config = ConfigDict(frozen=True)


class KafkaSettings(Group):
    bootstrap_servers: str = "127.0.0.1:9092"
    client_id: str = "boucle"
    # Time the producer may take to get an acknowledgement before a send counts as failed.
    request_timeout_ms: int = 10_000
    linger_ms: int = 0
    max_batch_size: int = 256 * 1024
    compression_type: str | None = None


class TopicSettings(Group):
    raw_events: str = "tracking.events.v1"
    journeys: str = "journeys.v1"
    identities: str = "identities.v1"
    privacy: str = "privacy.requests.v1"
    credits: str = "attribution.credits.v1"
    followups: str = "feedback.followups.v1"
    alerts: str = "feedback.alerts.v1"
    dead_letter: str = "boucle.deadletter.v1"
    late_events: str = "tracking.late-events.v1"


class DeadLetterSettings(Group):
    """At most ``max_dead_letters`` among any ``window_records`` consecutive records; past
    that the consumer halts without committing (see README, Operations)."""

    max_dead_letters: int = Field(default=100, ge=0)
    window_records: int = Field(default=10_000, ge=1)


class ConsumerSettings(Group):
    group_id: str
    max_records: int = 500
    poll_timeout_ms: int = 1_000
    max_partition_fetch_bytes: int = 1024 * 1024
    # Transient failures (database or broker unreachable) are retried for at most this long,
    # which stays well under Kafka's max.poll.interval.ms (300 s) so the group keeps us.
    retry_budget_s: float = 120.0
    retry_initial_backoff_s: float = 0.5
    retry_max_backoff_s: float = 10.0
    dead_letters: DeadLetterSettings = Field(default_factory=DeadLetterSettings)


SslMode = Literal["disable", "prefer", "require", "verify-ca", "verify-full"]


class DatabaseSettings(Group):
    """``url`` may carry the password (``DATABASE__URL``, as libpq URLs do); it is moved into
    ``password``, a secret that no log line, repr or error message shows."""

    url: str = "postgresql+asyncpg://boucle@127.0.0.1:5432/boucle"
    password: SecretStr = SecretStr("boucle")
    pool_size: int = 5
    echo: bool = False
    # TLS costs a handshake per connection and buys nothing on a loopback or a Unix socket;
    # across any network use "require", or "verify-full" with the server's CA (README).
    ssl: SslMode = "disable"

    @model_validator(mode="before")
    @classmethod
    def _password_out_of_url(cls, data: object) -> object:
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return data
        url = make_url(data["url"])
        if url.password is None:
            return data
        return {
            **data,
            "url": URL.create(
                url.drivername,
                username=url.username,
                host=url.host,
                port=url.port,
                database=url.database,
                query=url.query,
            ).render_as_string(hide_password=False),
            "password": data.get("password") or SecretStr(str(url.password)),
        }

    def sqlalchemy_url(self) -> URL:
        """The URL with the password, for the engine only."""
        return make_url(self.url).set(password=self.password.get_secret_value())


class HttpSettings(Group):
    host: str = "127.0.0.1"
    port: int = 8000


class LogSettings(Group):
    level: str = "INFO"
    json_format: bool = Field(
        default=True, description="JSON lines when true, plain text otherwise"
    )


class AuthSettings(Group):
    """API tokens (shared/auth.py): how long a verified token is believed without asking
    PostgreSQL (a revocation takes effect within it), and for how long past that a known token
    is still accepted while PostgreSQL is down."""

    token_cache_ttl_s: float = Field(default=10.0, ge=0)
    token_max_stale_s: float = Field(default=300.0, ge=0)


class OpsSettings(Group):
    """Who may read ``/metrics``. Both empty (the default): anyone who reaches the port, as the
    local stack listens on 127.0.0.1 only. Otherwise a peer in one of the networks, or a
    request with an API token of that scope, may."""

    metrics_allow_networks: tuple[str, ...] = ()
    metrics_token_scope: Scope | None = None

    @field_validator("metrics_allow_networks")
    @classmethod
    def _networks(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError as exc:
                raise ValueError(f"not an address or network: {entry!r}") from exc
        return entries


class PrivacySettings(Group):
    """Erasures (shared/privacy): each consuming service applies one ``erasure_delay_s`` after it
    received it, so that what the person sent just before the request, still in a topic, is
    consumed first and erased with the rest (README, Security and privacy). Pending erasures
    are looked at every ``erasure_period_s``."""

    erasure_delay_s: float = Field(default=300.0, ge=0)
    erasure_period_s: float = Field(default=5.0, gt=0)


LOCAL_SERVICES = {
    "collector": "http://127.0.0.1:8000",
    "sessionizer": "http://127.0.0.1:8001",
    "attribution": "http://127.0.0.1:8002",
    "feedback": "http://127.0.0.1:8003",
}


class PagesSettings(Group):
    """Boucle's pages (README, Pages): where a browser reaches each service (``PAGES__SERVICES``,
    a JSON object; by default the local stack's ports). The pages link to each other there,
    the pipeline page calls every service's ``/v1/pipeline`` there, and each consumer lets the
    pages of those origins call its read API from a browser (CORS; a token is still needed)."""

    services: dict[str, str] = Field(default_factory=lambda: dict(LOCAL_SERVICES))

    @field_validator("services")
    @classmethod
    def _urls(cls, services: dict[str, str]) -> dict[str, str]:
        for name, url in services.items():
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
                raise ValueError(
                    f"services.{name}: an http(s) URL such as http://127.0.0.1:8000, not {url!r}"
                )
        return {name: url.rstrip("/") for name, url in services.items()}

    def origins(self) -> list[str]:
        """The origins (scheme, host, port) of the services' pages."""
        return sorted(
            {f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in self.services.values()}
        )


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
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    pages: PagesSettings = Field(default_factory=PagesSettings)
