"""Markov-chain removal effects, solved exactly from transition counts (no simulation).

The chain: ``(start)``, the states of ``counts.states_of`` (channels, or k-grams of them), and the
absorbing ``(conversion)`` and ``(null)``; p(a→b) = count(a→b) / count(a→·). Q is the transient
block, r the one-step conversion probability, r_v the one-step expected conversion value (the
value of conversions leaving a state over the transitions leaving it). With the fundamental
matrix F = (I - Q)⁻¹ (one LU factorisation), x = F·r is each state's conversion probability and
x_v = F·r_v its expected value.

Removing channel k sends every transition into its states to ``(null)``, so the conversions it
loses are those of paths that visit it: RE_k = P(visit k ∧ convert) / P(convert). For order 1,
P(visit k) = F[s,k] / F[k,k] (expected visits over visits once there) and, by the Markov
property, P(visit k ∧ convert) = P(visit k)·x_k: every removal effect from the one inverse. For
higher orders a channel is several states, so each channel's states are taken out of the system
and the rest re-solved. Value removal effects are the same with x_v in place of x.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.attribution.models.counts import (
    CONVERSION,
    NULL,
    START,
    Tally,
    Transition,
    channels_of_state,
)

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MarkovSolution:
    order: int
    conversion_probability: float  # P(convert) from (start)
    removal_effects: dict[str, float]  # per channel: share of conversions lost without it
    value_removal_effects: dict[str, float]  # the same for the expected conversion value
    conversions: float  # totals of the counts, for the global allocation
    value: float


@dataclass(frozen=True, slots=True)
class Chain:
    states: list[str]  # transient states; index 0 is (start)
    q: Matrix
    r: Matrix
    r_value: Matrix


def chain_of(counts: Mapping[Transition, Tally]) -> Chain:
    absorbing = {CONVERSION, NULL}
    names = {START} | {state for pair in counts for state in pair if state not in absorbing}
    states = [START, *sorted(names - {START})]
    index = {state: position for position, state in enumerate(states)}
    size = len(states)
    q, r, r_value, out = (np.zeros((size, size)), np.zeros(size), np.zeros(size), np.zeros(size))
    for (source, target), tally in counts.items():
        row = index[source]
        out[row] += tally.paths
        if target == CONVERSION:
            r[row] += tally.paths
            r_value[row] += tally.value
        elif target != NULL:
            q[row, index[target]] += tally.paths
    # A state nothing leaves (only in inconsistent counts) converts nothing: a zero row.
    scale = np.divide(1.0, out, out=np.zeros(size), where=out > 0)
    return Chain(states, q * scale[:, None], r * scale, r_value * scale)


def solve(counts: Mapping[Transition, Tally], *, order: int = 1) -> MarkovSolution:
    chain = chain_of(counts)
    conversions = sum(t.conversions for (_, target), t in counts.items() if target == CONVERSION)
    value = sum(t.value for (_, target), t in counts.items() if target == CONVERSION)
    channels = sorted({c for state in chain.states[1:] for c in channels_of_state(state)})
    if order == 1:
        converting, valued = _visits_by_fundamental_matrix(chain)
    else:
        converting, valued = _visits_by_removal(chain, channels)
    probability, expected = _baseline(chain)
    return MarkovSolution(
        order=order,
        conversion_probability=probability,
        removal_effects=_ratios(converting, probability),
        value_removal_effects=_ratios(valued, expected),
        conversions=conversions,
        value=value,
    )


def _baseline(chain: Chain) -> tuple[float, float]:
    system = np.eye(len(chain.states)) - chain.q
    x = np.linalg.solve(system, np.column_stack([chain.r, chain.r_value]))
    return float(x[0, 0]), float(x[0, 1])


def _visits_by_fundamental_matrix(chain: Chain) -> tuple[dict[str, float], dict[str, float]]:
    """P(visit k ∧ convert) and E[value · 1(visit k)] for every single-channel state k."""
    fundamental = np.linalg.inv(np.eye(len(chain.states)) - chain.q)
    x, x_value = fundamental @ chain.r, fundamental @ chain.r_value
    visit = fundamental[0, :] / np.diag(fundamental)
    converting = {state: float(visit[i] * x[i]) for i, state in enumerate(chain.states) if i}
    valued = {state: float(visit[i] * x_value[i]) for i, state in enumerate(chain.states) if i}
    return converting, valued


def _visits_by_removal(
    chain: Chain, channels: list[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """The same for k-gram states: what the chain loses once a channel's states are gone."""
    probability, expected = _baseline(chain)
    converting: dict[str, float] = {}
    valued: dict[str, float] = {}
    for channel in channels:
        keep = [
            i
            for i, state in enumerate(chain.states)
            if i == 0 or channel not in channels_of_state(state)
        ]
        reduced = Chain(
            [chain.states[i] for i in keep],
            chain.q[np.ix_(keep, keep)],
            chain.r[keep],
            chain.r_value[keep],
        )
        without, without_value = _baseline(reduced)
        converting[channel], valued[channel] = probability - without, expected - without_value
    return converting, valued


def _ratios(parts: Mapping[str, float], whole: float) -> dict[str, float]:
    # Clipped at 0: a removal can only lose conversions; anything below is rounding.
    if whole <= 0:
        return dict.fromkeys(parts, 0.0)
    return {channel: max(part / whole, 0.0) for channel, part in parts.items()}
