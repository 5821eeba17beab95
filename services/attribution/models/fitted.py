"""Fitted models: fitted from population counts, then weighing each conversion's path.

``Markov`` and ``Shapley`` each say what one path adds to their counts (``contribution``) and
solve the counts into a ``ChannelFit``: a score per channel (removal effect, Shapley value).

* Per conversion (what the stream stores): a conversion's weight goes to the distinct channels of
  its own path in proportion to their scores (negative scores count as 0), a channel's part
  shared equally by its touches; when no channel on the path scores above 0, linear weights.
  Every conversion's credits sum to one.
* Global (ChannelAttribution's reading): each channel's share of all conversions is its score
  over the sum of all scores, and of all value its value score over their sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from services.attribution.models import markov, shapley
from services.attribution.models.counts import (
    ChannelSet,
    Tally,
    Transition,
    markov_contribution,
    shapley_contribution,
)
from services.attribution.models.journey import Journey, Weights, require_touches, spread_by_channel
from services.attribution.models.path import Linear
from shared.errors import BadInput


@dataclass(frozen=True, slots=True)
class Allocation:
    conversions: float
    value: float


@dataclass(frozen=True, slots=True)
class ChannelFit:
    scores: dict[str, float]  # drives the per-conversion weights and the global conversions
    value_scores: dict[str, float]  # drives the global value
    conversions: float  # in the counts fitted
    value: float
    standard_errors: dict[str, float] = field(default_factory=dict)  # of scores; {} when exact

    def weigh(self, journey: Journey) -> Weights:
        require_touches(journey)
        spread = spread_by_channel(journey.channels, self.scores)
        return spread if spread is not None else Linear().weigh(journey)

    def global_allocation(self) -> dict[str, Allocation]:
        conversions = _shares(self.scores, self.conversions)
        value = _shares(self.value_scores, self.value)
        return {
            channel: Allocation(conversions[channel], value.get(channel, 0.0))
            for channel in sorted(conversions)
        }


def _shares(scores: Mapping[str, float], total: float) -> dict[str, float]:
    positive = {channel: max(score, 0.0) for channel, score in scores.items()}
    whole = sum(positive.values())
    if whole <= 0:
        return dict.fromkeys(scores, 0.0)
    return {channel: total * score / whole for channel, score in positive.items()}


@dataclass(frozen=True, slots=True)
class Markov:
    """First-order removal effects by default; ``order`` k uses k-grams of channels as states."""

    order: int = 1
    name: ClassVar[str] = "markov"
    version: ClassVar[int] = 1

    def __post_init__(self) -> None:
        if not 1 <= self.order <= 4:
            raise BadInput(f"order must be 1 to 4, not {self.order}", field="order")

    def contribution(self, channels: Sequence[str], outcome: Tally) -> dict[Transition, Tally]:
        return markov_contribution(channels, outcome, order=self.order)

    def solve(self, counts: Mapping[Transition, Tally]) -> markov.MarkovSolution:
        return markov.solve(counts, order=self.order)

    def fit(self, counts: Mapping[Transition, Tally]) -> ChannelFit:
        return self.fit_of(self.solve(counts))

    @staticmethod
    def fit_of(solution: markov.MarkovSolution) -> ChannelFit:
        return ChannelFit(
            scores=solution.removal_effects,
            value_scores=solution.value_removal_effects,
            conversions=solution.conversions,
            value=solution.value,
        )


@dataclass(frozen=True, slots=True)
class Shapley:
    """Exact up to ``exact_limit`` channels; above, ``orderings`` seeded random orderings."""

    exact_limit: int = 15
    orderings: int = 1000
    seed: int = 0
    name: ClassVar[str] = "shapley"
    version: ClassVar[int] = 1

    def __post_init__(self) -> None:
        if not 1 <= self.exact_limit <= shapley.EXACT_CEILING:
            raise BadInput(
                f"exact_limit must be 1 to {shapley.EXACT_CEILING}, not {self.exact_limit}",
                field="exact_limit",
            )
        if self.orderings < 2:
            raise BadInput(f"orderings must be at least 2, not {self.orderings}", field="orderings")

    def contribution(self, channels: Sequence[str], outcome: Tally) -> dict[ChannelSet, Tally]:
        return shapley_contribution(channels, outcome)

    def solve(self, counts: Mapping[ChannelSet, Tally]) -> shapley.ShapleySolution:
        return shapley.solve(
            counts, exact_limit=self.exact_limit, orderings=self.orderings, seed=self.seed
        )

    def fit(self, counts: Mapping[ChannelSet, Tally]) -> ChannelFit:
        return self.fit_of(self.solve(counts))

    @staticmethod
    def fit_of(solution: shapley.ShapleySolution) -> ChannelFit:
        errors = {} if solution.exact else solution.standard_errors
        return ChannelFit(
            scores=solution.values,
            value_scores=solution.value_values,
            conversions=solution.conversions,
            value=solution.value,
            standard_errors=errors,
        )
