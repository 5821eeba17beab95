"""Shapley values of a counterfactual conversion game over channel coalitions, from counts.

The game: every observed population T (the paths whose set of channels is exactly T, converting
and not) keeps its people when only the channels of S exist, loses the channels outside S, and
converts at the rate observed for exactly the set it is left with:

    v(S) = Σ_T paths(T) · rate(T ∩ S),   rate(U) = conversions(U) / paths(U),

with rate(∅) = 0 and the rate of a set never observed 0 (no evidence that it converts anyone).
v(all channels) is every conversion, so the values add up to the conversions; with no subset ever
observed this is Zhao's subset-sum game. The value game is the same with value per path. Why
this game: README, *Attribution models*.

Up to ``exact_limit`` channels every coalition is enumerated in O(n·2ⁿ): with rho the Möbius
transform of the rates and P↑(V) the paths of populations containing V,
v(S) = Σ_{V⊆S} rho(V)·P↑(V), then φ_i = Σ_{S∌i} |S|!(n-|S|-1)!/n! · (v(S+i) - v(S)). Above it, φ is
the mean marginal contribution over seeded random orderings of the channels, with its standard
error (sample deviation / √orderings) reported per channel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.attribution.models.counts import ChannelSet, Tally

Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]
EXACT_CEILING = 20  # 2^20 coalitions: some 60 MB of arrays; past that, memory doubles per channel


@dataclass(frozen=True, slots=True)
class ShapleySolution:
    values: dict[str, float]  # φ of the conversion-rate game (may be negative)
    value_values: dict[str, float]  # φ of the value-per-path game
    standard_errors: dict[str, float]  # of ``values``; all 0 when exact
    value_standard_errors: dict[str, float]
    exact: bool
    orderings: int  # random orderings sampled; 0 when exact
    conversions: float
    value: float


@dataclass(frozen=True, slots=True)
class Coalitions:
    channels: list[str]
    masks: npt.NDArray[np.int64]  # one bitmask per observed channel set
    conversions: Vector
    value: Vector
    paths: Vector


def coalitions_of(counts: Mapping[ChannelSet, Tally]) -> Coalitions:
    channels = sorted({channel for channel_set in counts for channel in channel_set})
    bit = {channel: 1 << i for i, channel in enumerate(channels)}
    observed = [
        (sum(bit[channel] for channel in key), tally)
        for key, tally in counts.items()
        if tally.paths > 0
    ]
    return Coalitions(
        channels=channels,
        masks=np.array([mask for mask, _ in observed], dtype=np.int64),
        conversions=np.array([tally.conversions for _, tally in observed], dtype=np.float64),
        value=np.array([tally.value for _, tally in observed], dtype=np.float64),
        paths=np.array([tally.paths for _, tally in observed], dtype=np.float64),
    )


def solve(
    counts: Mapping[ChannelSet, Tally],
    *,
    exact_limit: int = 15,
    orderings: int = 1000,
    seed: int = 0,
) -> ShapleySolution:
    game = coalitions_of(counts)
    if len(game.channels) <= exact_limit:
        values, value_values = _exact(game)
        zero = dict.fromkeys(game.channels, 0.0)
        errors, value_errors, sampled = zero, dict(zero), 0
    else:
        values, value_values, errors, value_errors = _sampled(game, orderings, seed)
        sampled = orderings
    return ShapleySolution(
        values=values,
        value_values=value_values,
        standard_errors=errors,
        value_standard_errors=value_errors,
        exact=sampled == 0,
        orderings=sampled,
        conversions=float(game.conversions.sum()),
        value=float(game.value.sum()),
    )


def _rates(game: Coalitions) -> Matrix:
    """Conversions and value per path of each observed set (two rows)."""
    return np.stack([game.conversions / game.paths, game.value / game.paths])


def _exact(game: Coalitions) -> tuple[dict[str, float], dict[str, float]]:
    n = len(game.channels)
    size = 1 << n
    rates = np.zeros((2, size))
    rates[:, game.masks] = _rates(game)
    paths = np.zeros((1, size))
    paths[0, game.masks] = game.paths
    _subset_pass(rates, sign=-1)  # Möbius: rho, so that rate(U) = Σ_{V⊆U} rho(V)
    _superset_sums(paths)  # P↑
    worth = rates * paths
    _subset_pass(worth, sign=1)  # v(S) = Σ_{V⊆S} rho(V)·P↑(V)
    everyone = np.arange(size)
    sizes = sum(((everyone >> i) & 1 for i in range(n)), start=np.zeros(size, dtype=np.int64))
    weight = np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    )
    phi = np.zeros((2, n))
    for i in range(n):
        view = worth.reshape(2, -1, 2, 1 << i)
        without = weight[sizes.reshape(-1, 2, 1 << i)[:, 0, :]]
        phi[:, i] = ((view[:, :, 1, :] - view[:, :, 0, :]) * without).sum(axis=(1, 2))
    return _named(game, phi[0]), _named(game, phi[1])


def _subset_pass(arrays: Matrix, *, sign: int) -> None:
    """In place, per row: sums over subsets (sign 1) or their inverse, the Möbius transform."""
    for i in range((arrays.shape[1] - 1).bit_length()):
        view = arrays.reshape(arrays.shape[0], -1, 2, 1 << i)
        view[:, :, 1, :] += sign * view[:, :, 0, :]


def _superset_sums(arrays: Matrix) -> None:
    for i in range((arrays.shape[1] - 1).bit_length()):
        view = arrays.reshape(arrays.shape[0], -1, 2, 1 << i)
        view[:, :, 0, :] += view[:, :, 1, :]


def _sampled(
    game: Coalitions, orderings: int, seed: int
) -> tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, float]]:
    n = len(game.channels)
    rng = np.random.default_rng(seed)
    by_mask = np.argsort(game.masks)
    lookup = Lookup(game.masks[by_mask], _rates(game)[:, by_mask])
    marginals = np.zeros((orderings, 2, n))
    for sample in range(orderings):
        order = rng.permutation(n)
        marginals[sample][:, order] = _marginals(game, lookup, order)
    mean = marginals.mean(axis=0)
    error = marginals.std(axis=0, ddof=1) / math.sqrt(orderings)
    return (
        _named(game, mean[0]),
        _named(game, mean[1]),
        _named(game, error[0]),
        _named(game, error[1]),
    )


@dataclass(frozen=True, slots=True)
class Lookup:
    masks: npt.NDArray[np.int64]  # the observed sets, sorted
    rates: Matrix  # their two rates, in the same order


def _marginals(game: Coalitions, lookup: Lookup, order: npt.NDArray[np.int64]) -> Matrix:
    """v(first j channels of ``order``) - v(first j-1), both games, channel by channel."""
    prefixes = np.cumsum(np.left_shift(1, order))  # the coalitions as the channels arrive
    left = game.masks[None, :] & prefixes[:, None]  # each population's set within each
    found = np.minimum(np.searchsorted(lookup.masks, left), len(lookup.masks) - 1)
    seen = lookup.masks[found] == left  # a set never observed converts nothing
    worth = (lookup.rates[:, found] * seen * game.paths).sum(axis=2)
    return np.diff(worth, axis=1, prepend=0.0)


def _named(game: Coalitions, array: Vector) -> dict[str, float]:
    return {channel: float(array[i]) for i, channel in enumerate(game.channels)}
