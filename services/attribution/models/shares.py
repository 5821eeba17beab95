"""Money: how one conversion's revenue and its one conversion are cut into credits.

Pure functions over plain data. Revenue and weight splits round (to 1/10000 and 1/1000000) and
give the remainder to one share (``split``: the last; ``apportion``: the last with any weight), so
the credits of a conversion always add up to its revenue and to one conversion exactly.
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


@dataclass(frozen=True, slots=True)
class Portion:
    """One touch's rounded part of a conversion: ``index`` into the weights given."""

    index: int
    weight: Decimal
    revenue: Decimal


Model = Callable[[Sequence[TouchpointView]], list[Decimal]]


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


def apportion(revenue: Decimal, weights: Sequence[float]) -> list[Portion]:
    """``revenue`` and one conversion cut by a model's float weights (which sum to 1).

    Unlike ``split``, the remainder goes to the last touch with a positive weight: a model that
    gives the latest touches nothing (first touch, W-shaped after the opportunity) must not hand
    them a rounding cent. Touches that get neither weight nor revenue are left out.
    """
    if not weights:
        raise ValueError("apportion needs at least one weight")
    decimals = [Decimal(repr(weight)) for weight in weights]
    positive = [index for index, weight in enumerate(decimals) if weight > 0]
    if not positive:
        raise ValueError(f"weights must include a positive one: {list(weights)}")
    taker = positive[-1]
    portions: list[Portion] = []
    revenue_left, weight_left = revenue, Decimal(1)
    for index, weight in enumerate(decimals):
        if index == taker:
            continue
        weight_share = weight.quantize(WEIGHT_QUANTUM)
        amount = (revenue * weight).quantize(MONEY_QUANTUM)
        revenue_left -= amount
        weight_left -= weight_share
        if weight_share or amount:
            portions.append(Portion(index=index, weight=weight_share, revenue=amount))
    portions.append(Portion(index=taker, weight=weight_left, revenue=revenue_left))
    return sorted(portions, key=lambda portion: portion.index)
