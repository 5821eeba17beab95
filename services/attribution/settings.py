"""Attribution settings: the shared groups plus ``ATTRIBUTION__*``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from shared.settings import ConsumerOptions, ConsumerSettings, ServiceSettings


class AttributionConsumer(ConsumerSettings):
    # A default per service: setting one consumer variable must not lose the others.
    group_id: str = "boucle-attribution"


class AttributionOptions(ConsumerOptions):
    port: int = 8002
    consumer: AttributionConsumer = Field(default_factory=AttributionConsumer)
    lookback_days: float = 30.0
    models: list[str] = Field(default_factory=lambda: ["last_touch", "first_touch", "linear"])
    # Totals are also reported in this currency when a rates file (currency,rate CSV) is given.
    reporting_currency: str | None = None
    rates_file: Path | None = None


class AttributionSettings(ServiceSettings):
    attribution: AttributionOptions = Field(default_factory=AttributionOptions)
