"""Money: how one conversion's revenue and its one conversion are cut into credits.

Pure functions over plain data. Revenue and weight splits round (to 1/10000 and 1/1000000) so
that the credits of a conversion always add up to its revenue and to one conversion exactly:
``apportion`` rounds running totals, so no share goes below zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

MONEY_QUANTUM = Decimal("0.0001")
WEIGHT_QUANTUM = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class Portion:
    """One touch's rounded part of a conversion: ``index`` into the weights given."""

    index: int
    weight: Decimal
    revenue: Decimal


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
