"""The counts fitted models are fitted from, and what one path adds to them.

A path (its channels in order) ends in a ``Tally``: conversions, their value, and non-conversions
(``nulls``). A stream adds a path's contribution when the path appears and subtracts the same
contribution when it changes or is retracted, so the counts always equal those of the current
paths; with whole-number conversions and nulls every sum stays exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TypeVar

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
STATE_SEPARATOR = " > "  # joins the channels of a k-gram state, as paths are written

Transition = tuple[str, str]  # (from_state, to_state)
ChannelSet = tuple[str, ...]  # the distinct channels of a path, sorted
Key = TypeVar("Key")


@dataclass(frozen=True, slots=True)
class Tally:
    conversions: float = 0.0
    value: float = 0.0
    nulls: float = 0.0

    @property
    def paths(self) -> float:
        return self.conversions + self.nulls

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.conversions + other.conversions, self.value + other.value, self.nulls + other.nulls
        )

    def __sub__(self, other: Tally) -> Tally:
        return Tally(
            self.conversions - other.conversions, self.value - other.value, self.nulls - other.nulls
        )

    def is_empty(self) -> bool:
        """No path: what is left of a value once its conversions are gone is rounding dust."""
        return self.conversions == 0 and self.nulls == 0


def states_of(channels: Sequence[str], *, order: int = 1) -> list[str]:
    """The chain states a path visits (ChannelAttribution's encoding): windows of ``order``
    consecutive channels, the whole path when it is shorter, repeats of a state collapsed."""
    if order < 1:
        raise ValueError(f"order must be at least 1, not {order}")
    windows = max(len(channels) - order + 1, 1) if channels else 0
    states: list[str] = []
    for start in range(windows):
        state = STATE_SEPARATOR.join(channels[start : start + order])
        if not states or states[-1] != state:
            states.append(state)
    return states


def channels_of_state(state: str) -> list[str]:
    return state.split(STATE_SEPARATOR)


def markov_contribution(
    channels: Sequence[str], outcome: Tally, *, order: int = 1
) -> dict[Transition, Tally]:
    """What one path adds to the transition counts: the outcome on every step from ``(start)``,
    its conversions (with their value) into ``(conversion)``, its nulls into ``(null)``."""
    states = states_of(channels, order=order)
    if not states or outcome.paths == 0:
        return {}
    contribution: dict[Transition, Tally] = {}
    steps = [*pairwise([START, *states])]
    for step in steps:
        contribution[step] = contribution.get(step, Tally()) + outcome
    if outcome.conversions:
        contribution[(states[-1], CONVERSION)] = Tally(outcome.conversions, outcome.value)
    if outcome.nulls:
        contribution[(states[-1], NULL)] = Tally(nulls=outcome.nulls)
    return contribution


def shapley_contribution(channels: Sequence[str], outcome: Tally) -> dict[ChannelSet, Tally]:
    """What one path adds to the coalition counts: its outcome under its set of channels."""
    if not channels or outcome.is_empty():
        return {}
    return {tuple(sorted(set(channels))): outcome}


def accumulate(
    total: dict[Key, Tally], contribution: Mapping[Key, Tally], *, sign: int = 1
) -> None:
    """Add (``sign=1``) or subtract (``sign=-1``) a contribution; keys left with no path go."""
    for key, tally in contribution.items():
        current = total.get(key, Tally())
        updated = current + tally if sign > 0 else current - tally
        if updated.is_empty():
            total.pop(key, None)
        else:
            total[key] = updated


def markov_counts(
    paths: Iterable[tuple[Sequence[str], Tally]], *, order: int = 1
) -> dict[Transition, Tally]:
    total: dict[Transition, Tally] = {}
    for channels, outcome in paths:
        accumulate(total, markov_contribution(channels, outcome, order=order))
    return total


def shapley_counts(paths: Iterable[tuple[Sequence[str], Tally]]) -> dict[ChannelSet, Tally]:
    total: dict[ChannelSet, Tally] = {}
    for channels, outcome in paths:
        accumulate(total, shapley_contribution(channels, outcome))
    return total
