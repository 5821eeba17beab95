"""Attribution settings: the shared groups plus ``ATTRIBUTION__*``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from services.attribution.lineup import Lineup, StageRules, lineup_of
from services.attribution.repository.money import Money
from shared.errors import BadInput
from shared.settings import ConsumerOptions, ConsumerSettings, Group, ServiceSettings

ALL_MODELS = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "time_decay",
    "position_based",
    "w_shaped",
    "full_path",
    "markov",
    "shapley",
)
Stage = Literal["lead", "opportunity"]
STAGE_TOUCHES: dict[str, Stage] = {"Lead Created": "lead", "Opportunity Created": "opportunity"}


class AttributionConsumer(ConsumerSettings):
    # A default per service: setting one consumer variable must not lose the others.
    group_id: str = "boucle-attribution"
    # Each batch recomputes the persons it touches with a fixed number of statements, so bigger
    # batches cost fewer round trips per record (bench.attribution_consumer: +33 %).
    max_records: int = 2000


class ModelSpec(Group):
    """One model and its parameters, e.g. ``{"name": "time_decay", "params": {"half_life_days":
    3}}``; a bare name takes the defaults."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class StageSettings(Group):
    """CRM lifecycle events are stages of a journey, never channels."""

    # Touchpoints of these types mark a stage (W-shaped's LC and OC) and take no credit.
    touch_types: dict[str, Stage] = Field(default_factory=lambda: dict(STAGE_TOUCHES))
    # Conversions at these stages close a deal (full path's CW) and are keyed by the deal.
    deal_stages: tuple[str, ...] = ("won",)
    # Raw events that take a deal out of the won stage: its conversion is retracted.
    lost_events: tuple[str, ...] = ("Deal Lost",)


class FittingSettings(Group):
    """Markov and Shapley: re-solved from their counts, credits restated when weights move."""

    period_s: float = Field(default=300.0, gt=0)
    # A conversion is restated when a channel's share of it moves by more than this.
    tolerance: float = Field(default=0.001, ge=0, lt=1)
    restate_period_s: float = Field(default=10.0, gt=0)
    # Conversions restated per job run: a run never holds a long transaction.
    restate_chunk: int = Field(default=500, ge=1)


class JobSettings(Group):
    """The other scheduled work: paths becoming non-converting, restatement after a change of
    settings."""

    null_paths_period_s: float = Field(default=60.0, gt=0)
    null_paths_chunk: int = Field(default=500, ge=1)
    settings_walk_period_s: float = Field(default=5.0, gt=0)
    settings_walk_chunk: int = Field(default=500, ge=1)
    # Monthly rollups rebuilt after rates are imported or the reporting currency changes.
    rollups_period_s: float = Field(default=10.0, gt=0)
    rollup_months: int = Field(default=2, ge=1)


class CostSettings(Group):
    # Ad costs come from the raw events topic (``Ad Impression`` / ``Ad Clicked``).
    consume_raw_events: bool = True
    ad_events: tuple[str, ...] = ("Ad Impression", "Ad Clicked")
    default_currency: str = "USD"
    max_import_bytes: int = Field(default=16 * 1024 * 1024, ge=1)


class AttributionOptions(ConsumerOptions):
    port: int = 8002
    consumer: AttributionConsumer = Field(default_factory=AttributionConsumer)
    lookback_days: float = Field(default=30.0, gt=0)
    models: tuple[ModelSpec, ...] = Field(
        default_factory=lambda: tuple(ModelSpec(name=name) for name in ALL_MODELS)
    )
    # Reports convert into this currency unless a request names another.
    reporting_currency: str = "USD"
    # Imported rates are units of each currency per one unit of this one (ECB's are EUR).
    rates_base: str = "EUR"
    stages: StageSettings = Field(default_factory=StageSettings)
    fitting: FittingSettings = Field(default_factory=FittingSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    costs: CostSettings = Field(default_factory=CostSettings)

    @field_validator("models", mode="before")
    @classmethod
    def _names_or_specs(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _models_exist(self) -> AttributionOptions:
        try:
            self.lineup()
        except BadInput as error:  # the variable's name comes with pydantic's error
            raise ValueError(error.message) from error
        return self

    def money(self) -> Money:
        return Money(reporting=self.reporting_currency, base=self.rates_base)

    def lineup(self) -> Lineup:
        stages = StageRules(
            touch_types=dict(self.stages.touch_types),
            deal_stages=frozenset(self.stages.deal_stages),
            lost_events=frozenset(self.stages.lost_events),
        )
        return lineup_of(
            [(spec.name, spec.params) for spec in self.models],
            lookback=timedelta(days=self.lookback_days),
            stages=stages,
        )

    @field_validator("reporting_currency", "rates_base")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"a currency is three letters (ISO 4217), not {value!r}")
        return code


class AttributionSettings(ServiceSettings):
    attribution: AttributionOptions = Field(default_factory=AttributionOptions)
