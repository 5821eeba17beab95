"""Credit lines: one outcome's credit under one model for one touch, as stored. Pure.

Every configured model weighs the outcome's path (its touches in the lookback window, CRM
stages beside them); ``apportion`` cuts the revenue and the one conversion by the weights, so
each outcome's lines under each model add up to exactly one conversion and its revenue. An
outcome with no touch in its window is credited whole to ``(none)`` under every model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from services.attribution.journeys import Outcome, TouchView
from services.attribution.lineup import Lineup
from services.attribution.models import (
    MONEY_QUANTUM,
    WEIGHT_QUANTUM,
    ChannelFit,
    Journey,
    Touch,
    Weights,
    apportion,
)

UNATTRIBUTED = "(none)"
CHANNEL_SET_SEPARATOR = "\x1f"
NO_FIT = ChannelFit(scores={}, value_scores={}, conversions=0.0, value=0.0)


@dataclass(frozen=True, slots=True)
class FitView:
    """A stored fit of a fitted model: what weighs paths until the next one."""

    fit_id: str
    fit: ChannelFit


@dataclass(frozen=True, slots=True)
class CreditLine:
    outcome_id: str
    model: str
    touchpoint_id: str  # "" when unattributed
    person_id: str
    model_key: str
    fit_id: str  # "" for path models, and fitted models before their first fit
    channel_set: str  # the path's distinct channels (fitted models), "" otherwise
    weight: Decimal
    revenue: Decimal
    currency: str
    day: date
    stage: str
    converted_at: datetime
    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    touch_type: str | None

    @property
    def group(self) -> tuple[str, str]:
        return (self.outcome_id, self.model)

    def payload(self) -> tuple[object, ...]:
        """What a credit says downstream: everything but the fit it came from."""
        return (
            self.touchpoint_id,
            self.person_id,
            self.model_key,
            self.weight,
            self.revenue,
            self.currency,
            self.converted_at,
            self.stage,
            self.channel,
            self.source,
            self.medium,
            self.campaign,
            self.touch_type,
        )


def utc_day(moment: datetime) -> date:
    """The calendar day (UTC) reports file a moment under."""
    return moment.astimezone(UTC).date()


def channel_set_of(channels: Sequence[str]) -> str:
    return CHANNEL_SET_SEPARATOR.join(sorted(set(channels)))


def lines_for(
    outcome: Outcome,
    path: Sequence[TouchView],
    journey: Journey,
    *,
    lineup: Lineup,
    fits: Mapping[str, FitView],
) -> list[CreditLine]:
    """Every configured model's lines for one credited outcome."""
    lines: list[CreditLine] = []
    for entry in lineup.path:
        weights = entry.model.weigh(journey) if path else ()
        lines.extend(_cut(outcome, path, weights, model=entry.name, key=entry.key))
    channels = channel_set_of([touch.channel for touch in path])
    for fitted in lineup.fitted:
        view = fits.get(fitted.name)
        weights = (view.fit if view else NO_FIT).weigh(journey) if path else ()
        lines.extend(
            _cut(
                outcome,
                path,
                weights,
                model=fitted.name,
                key=fitted.key,
                fit_id=view.fit_id if view else "",
                channel_set=channels,
            )
        )
    return lines


def journey_of_path(
    path: Sequence[TouchView],
    outcome: Outcome,
    *,
    lead: datetime | None,
    opportunity: datetime | None,
    deal_stages: frozenset[str],
) -> Journey:
    return Journey(
        touches=tuple(Touch(channel=touch.channel, at=touch.at) for touch in path),
        converted_at=outcome.at,
        lead_created=lead,
        opportunity_created=opportunity,
        deal_closed=outcome.at if outcome.stage in deal_stages else None,
    )


def _cut(
    outcome: Outcome,
    path: Sequence[TouchView],
    weights: Weights,
    *,
    model: str,
    key: str,
    fit_id: str = "",
    channel_set: str = "",
) -> list[CreditLine]:
    def line(touch: TouchView | None, weight: Decimal, revenue: Decimal) -> CreditLine:
        return CreditLine(
            outcome_id=outcome.outcome_id,
            model=model,
            touchpoint_id=touch.touchpoint_id if touch else "",
            person_id=outcome.person_id,
            model_key=key,
            fit_id=fit_id,
            channel_set=channel_set,
            # As stored (numeric(14,6), numeric(20,4)), so a line read back equals its source.
            weight=weight.quantize(WEIGHT_QUANTUM),
            revenue=revenue.quantize(MONEY_QUANTUM),
            currency=outcome.currency,
            day=utc_day(outcome.at),
            stage=outcome.stage,
            converted_at=outcome.at,
            channel=touch.channel if touch else UNATTRIBUTED,
            source=touch.source if touch else None,
            medium=touch.medium if touch else None,
            campaign=touch.campaign if touch else None,
            touch_type=touch.touch_type if touch else None,
        )

    if not path:
        return [line(None, Decimal(1), outcome.revenue)]
    return [
        line(path[portion.index], portion.weight, portion.revenue)
        for portion in apportion(outcome.revenue, weights)
    ]
