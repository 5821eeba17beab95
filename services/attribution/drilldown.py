"""One conversion's path with its credits under every model, as the drill-down answers. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from services.attribution.journeys import TouchView, eligible
from services.attribution.lines import CreditLine
from services.attribution.lineup import Lineup
from services.attribution.person import OutcomeState
from shared.api import ApiModel


class CreditOut(ApiModel):
    weight: Decimal
    revenue: Decimal


class TouchOut(ApiModel):
    touchpoint_id: str
    occurred_at: datetime
    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    touch_type: str
    credits: dict[str, CreditOut]


class ModelKeyOut(ApiModel):
    model: str
    key: str
    fit_id: str | None
    current: bool  # computed under the configured settings


class ConversionOut(ApiModel):
    conversion_id: str
    person_id: str
    converted_at: datetime
    stage: str
    revenue: Decimal
    currency: str
    deal_id: str | None
    credited: bool  # False: a deal that left the won stage
    conversions: list[str]  # the sessionizer's conversions this one stands for
    lead_created: datetime | None
    opportunity_created: datetime | None
    deal_closed: datetime | None
    version: int
    models: list[ModelKeyOut]
    path: list[TouchOut]
    unattributed: dict[str, CreditOut]  # models that found no touch in the window


def conversion_out(
    state: OutcomeState,
    version: int,
    lines: Sequence[CreditLine],
    touches: Sequence[TouchView],
    *,
    lineup: Lineup,
) -> ConversionOut:
    outcome = state.outcome
    credits: dict[str, dict[str, CreditOut]] = {}
    for line in lines:
        credits.setdefault(line.touchpoint_id, {})[line.model] = CreditOut(
            weight=line.weight, revenue=line.revenue
        )
    milestones = lineup.stages.touch_types
    window = eligible(
        [t for t in touches if t.touch_type not in milestones],
        at=outcome.at,
        lookback=lineup.lookback,
    )
    shown = {t.touchpoint_id for t in window}
    extra = [t for t in touches if t.touchpoint_id in credits and t.touchpoint_id not in shown]
    path = sorted([*window, *extra], key=lambda t: (t.at, t.touchpoint_id))
    return ConversionOut(
        conversion_id=outcome.outcome_id,
        person_id=outcome.person_id,
        converted_at=outcome.at,
        stage=outcome.stage,
        revenue=outcome.revenue,
        currency=outcome.currency,
        deal_id=outcome.deal_id,
        credited=outcome.credited,
        conversions=list(outcome.conversion_ids),
        lead_created=state.lead_created,
        opportunity_created=state.opportunity_created,
        deal_closed=state.deal_closed,
        version=version,
        models=_models(lines, lineup.keys),
        path=[_touch(t, credits.get(t.touchpoint_id, {})) for t in path],
        unattributed=credits.get("", {}),
    )


def _models(lines: Sequence[CreditLine], configured: Mapping[str, str]) -> list[ModelKeyOut]:
    first: dict[str, CreditLine] = {}
    for line in lines:
        first.setdefault(line.model, line)
    return [
        ModelKeyOut(
            model=model,
            key=line.model_key,
            fit_id=line.fit_id or None,
            current=configured.get(model) == line.model_key,
        )
        for model, line in sorted(first.items())
    ]


def _touch(touch: TouchView, credits: dict[str, CreditOut]) -> TouchOut:
    return TouchOut(
        touchpoint_id=touch.touchpoint_id,
        occurred_at=touch.at,
        channel=touch.channel,
        source=touch.source,
        medium=touch.medium,
        campaign=touch.campaign,
        touch_type=touch.touch_type,
        credits=credits,
    )
