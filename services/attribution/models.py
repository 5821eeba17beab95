"""Attribution models: how one conversion's revenue is shared among the touchpoints before it.

Pure functions over plain data. A model returns one weight per touchpoint (summing to 1); the
revenue and weight splits round (to 1/10000 and 1/1000000) and give the remainder to the last
share, so the credits of a conversion always add up to its revenue and to one conversion exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

MONEY_QUANTUM = Decimal("0.0001")
WEIGHT_QUANTUM = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class TouchpointView:
    touchpoint_id: str
    occurred_at: datetime
    channel: str
    source: str | None
    campaign: str | None


@dataclass(frozen=True, slots=True)
class Share:
    touchpoint: TouchpointView | None  # None: no touchpoint in the lookback window
    weight: Decimal
    revenue: Decimal


Model = Callable[[Sequence[TouchpointView]], list[Decimal]]


def last_touch(touchpoints: Sequence[TouchpointView]) -> list[Decimal]:
    return [Decimal(0)] * (len(touchpoints) - 1) + [Decimal(1)]


def first_touch(touchpoints: Sequence[TouchpointView]) -> list[Decimal]:
    return [Decimal(1)] + [Decimal(0)] * (len(touchpoints) - 1)


def linear(touchpoints: Sequence[TouchpointView]) -> list[Decimal]:
    return [Decimal(1) / len(touchpoints)] * len(touchpoints)


MODELS: dict[str, Model] = {"last_touch": last_touch, "first_touch": first_touch, "linear": linear}


def eligible(
    touchpoints: Sequence[TouchpointView], *, converted_at: datetime, lookback: timedelta
) -> list[TouchpointView]:
    """Touchpoints inside the lookback window ending at the conversion, oldest first."""
    window = [tp for tp in touchpoints if converted_at - lookback <= tp.occurred_at <= converted_at]
    return sorted(window, key=lambda tp: (tp.occurred_at, tp.touchpoint_id))


def split(revenue: Decimal, touchpoints: Sequence[TouchpointView], model: Model) -> list[Share]:
    """The model's shares of ``revenue``; a conversion with no touchpoint keeps it unattributed."""
    if not touchpoints:
        return [Share(touchpoint=None, weight=Decimal(1), revenue=revenue)]
    weights = model(touchpoints)
    shares: list[Share] = []
    revenue_left, weight_left = revenue, Decimal(1)
    for index, (touchpoint, weight) in enumerate(zip(touchpoints, weights, strict=True)):
        if index == len(touchpoints) - 1:
            weight_share, amount = weight_left, revenue_left
        else:
            weight_share = weight.quantize(WEIGHT_QUANTUM)
            amount = (revenue * weight).quantize(MONEY_QUANTUM)
        revenue_left -= amount
        weight_left -= weight_share
        if weight_share or amount:
            shares.append(Share(touchpoint=touchpoint, weight=weight_share, revenue=amount))
    return shares
