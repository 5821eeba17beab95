"""From a score in -1..1 to a label, through a neutral band; and the strong-intent override.

The band is what keeps a response from flapping between negative and positive when its
score moves a little (a re-read by a new classifier version, an edited comment): to change
sides a score must cross the whole band. Pure.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.feedback.text.verdict import Intent, Label


@dataclass(frozen=True, slots=True)
class NeutralBand:
    """Scores strictly between ``low`` and ``high`` are neutral."""

    low: float = -0.1
    high: float = 0.1

    def __post_init__(self) -> None:
        if not -1.0 < self.low <= 0.0 <= self.high < 1.0:
            raise ValueError("the neutral band must satisfy -1 < low <= 0 <= high < 1")

    def label(self, score: float) -> Label:
        if score <= self.low:
            return "negative"
        if score >= self.high:
            return "positive"
        return "neutral"

    def confidence(self, score: float) -> float:
        """0 on an edge of the band, 1 at -1, +1 or the middle of the band."""
        label = self.label(score)
        if label == "negative":
            value = (self.low - score) / (self.low + 1.0)
        elif label == "positive":
            value = (score - self.high) / (1.0 - self.high)
        else:
            half = (self.high - self.low) / 2 or 1.0
            value = min(score - self.low, self.high - score) / half
        return round(min(1.0, max(0.0, value)), 4)


@dataclass(frozen=True, slots=True)
class Override:
    """A strong intent (churn, legal, money, safety by default) makes the text negative: its
    score is pulled down to at most ``score`` and the rule, not the model, is sure of it."""

    intents: frozenset[Intent] = frozenset({"churn", "legal", "money", "safety"})
    score: float = -0.5

    def applies(self, intents: Collection[Intent]) -> bool:
        return not self.intents.isdisjoint(intents)


def score_of(negative: float, positive: float) -> float:
    """The model's probabilities of negative and positive as one score in -1..1."""
    return round(max(-1.0, min(1.0, positive - negative)), 4)
