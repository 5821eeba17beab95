"""Money: how one conversion's revenue and its one conversion are cut into credits.

Pure functions over plain data. Revenue and weight splits round (to 1/10000 and 1/1000000) so
that the credits of a conversion always add up to its revenue and to one conversion exactly:
``split`` (the current consumer's) gives the remainder to the last share, ``apportion`` (the path
and fitted models') rounds running totals, so no share goes below zero.
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

    The running totals are rounded, not each share: every share is then within one quantum of
    its exact part and never below zero, a touch with no weight gets nothing (not even a
    rounding remainder), and the last touch with a weight closes both sums exactly.
    """
    decimals = [Decimal(repr(weight)) for weight in weights]
    positive = [index for index, weight in enumerate(decimals) if weight > 0]
    if not positive:
        raise ValueError(f"weights must include a positive one: {list(weights)}")
    magnitude, sign = abs(revenue), (-1 if revenue < 0 else 1)
    portions: list[Portion] = []
    running = weight_before = amount_before = Decimal(0)
    for index, weight in enumerate(decimals[: positive[-1] + 1]):
        running += weight
        if index == positive[-1]:
            weight_to, amount_to = Decimal(1), magnitude
        else:
            weight_to = min(running.quantize(WEIGHT_QUANTUM), Decimal(1))
            amount_to = min((magnitude * running).quantize(MONEY_QUANTUM), magnitude)
        share, amount = weight_to - weight_before, amount_to - amount_before
        weight_before, amount_before = weight_to, amount_to
        if share or amount:
            portions.append(Portion(index=index, weight=share, revenue=sign * amount))
    return portions
