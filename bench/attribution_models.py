"""``python -m bench.attribution_models``: how long the fitted models take to re-solve from
their counts, beside two baselines measured in the same run — reading and aggregating the same
paths, and a ChannelAttribution-style simulation of the same Markov chain (random walks, as its
``markov_model`` estimates removal effects) with its error against the exact solve.

Two populations: the ChannelAttribution example (10,000 aggregated paths, 12 channels, from the
``mta`` package) and a seeded synthetic population of 1,000,000 paths over 12 channels.
Prints figures and ratios; never fails on a time.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from services.attribution.aggregated import parse_paths
from services.attribution.models import Markov, Shapley, Tally, markov_counts, shapley_counts
from services.attribution.models.markov import chain_of

Rows = list[tuple[tuple[str, ...], Tally]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Population:
    name: str
    rows: Rows  # distinct paths with their tallies
    paths: int  # people (conversions + nulls) behind them
    load_s: float  # the baseline: reading or generating, then aggregating


def timed(work: Callable[[], T], *, repeat: int = 1) -> tuple[T, float]:
    """The work's result and its best time over ``repeat`` runs."""
    start = time.perf_counter()
    result = work()
    best = time.perf_counter() - start
    for _ in range(repeat - 1):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return result, best


def mta_population() -> Population:
    file = importlib.metadata.distribution("mta").locate_file("mta/data/data.csv.gz")

    def load() -> Rows:
        with gzip.open(str(file), "rt") as handle:
            return [(p.channels, p.outcome) for p in parse_paths(handle.read().splitlines())]

    rows, seconds = timed(load, repeat=3)
    people = int(sum(tally.paths for _, tally in rows))
    return Population("mta example", rows, people, seconds)


def synthetic_population(size: int, *, seed: int, channels: int = 12) -> Population:
    """People walk a random first-order chain over the channels (1 + geometric touches) and
    convert with a probability that rises with the distinct channels they met."""
    rng = np.random.default_rng(seed)
    names = [f"ch{i:02d}" for i in range(channels)]
    moves = np.cumsum(rng.dirichlet(np.full(channels, 0.6), size=channels), axis=1)
    lift = rng.normal(0.0, 0.5, size=channels)

    def generate() -> Rows:
        lengths = np.minimum(rng.geometric(0.45, size=size), 20)
        steps = np.zeros((size, int(lengths.max())), dtype=np.int64)
        steps[:, 0] = rng.integers(0, channels, size=size)
        for j in range(1, steps.shape[1]):
            u = rng.random(size)
            steps[:, j] = (moves[steps[:, j - 1]] < u[:, None]).sum(axis=1).clip(max=channels - 1)
        seen = np.zeros((size, channels), dtype=bool)
        for j in range(steps.shape[1]):
            live = lengths > j
            seen[np.flatnonzero(live), steps[live, j]] = True
        converts = rng.random(size) < 1 / (1 + np.exp(2.0 - seen.astype(float) @ lift))
        value = np.where(converts, rng.lognormal(3.0, 1.0, size=size), 0.0)
        return aggregate(steps, lengths, converts, value, names)

    rows, seconds = timed(generate)
    return Population(f"synthetic {size:,}", rows, size, seconds)


def aggregate(
    steps: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    converts: npt.NDArray[np.bool_],
    value: npt.NDArray[np.float64],
    names: Sequence[str],
) -> Rows:
    conversions: Counter[tuple[str, ...]] = Counter()
    nulls: Counter[tuple[str, ...]] = Counter()
    worth: Counter[tuple[str, ...]] = Counter()
    for row, length, converted, amount in zip(
        steps.tolist(), lengths.tolist(), converts.tolist(), value.tolist(), strict=True
    ):
        path = tuple(names[i] for i in row[:length])
        if converted:
            conversions[path] += 1
            worth[path] += amount
        else:
            nulls[path] += 1
    keys = conversions.keys() | nulls.keys()
    return [(path, Tally(conversions[path], worth[path], nulls[path])) for path in keys]


def simulated_removal_effects(
    counts: dict[tuple[str, str], Tally], *, walks: int, max_steps: int, seed: int
) -> dict[str, float]:
    """ChannelAttribution's estimate: walk the chain from (start); a channel's removal effect is
    the share of converting walks that visited it (a walk still going at max_steps is null)."""
    chain = chain_of(counts)
    size = len(chain.states)
    # Columns: transient states, then (conversion), then (null).
    full = np.column_stack([chain.q, chain.r, 1.0 - chain.q.sum(axis=1) - chain.r])
    cumulative = np.cumsum(full, axis=1)
    rng = np.random.default_rng(seed)
    state = np.zeros(walks, dtype=np.int64)
    visited = np.zeros((walks, size), dtype=bool)
    converted = np.zeros(walks, dtype=bool)
    live = np.ones(walks, dtype=bool)
    for _ in range(max_steps):
        index = np.flatnonzero(live)
        if not index.size:
            break
        u = rng.random(index.size)
        nxt = (cumulative[state[index]] < u[:, None]).sum(axis=1).clip(max=size + 1)
        converted[index[nxt == size]] = True
        moving = nxt < size
        live[index[~moving]] = False
        state[index[moving]] = nxt[moving]
        visited[index[moving], nxt[moving]] = True
    total = max(int(converted.sum()), 1)
    return {s: float(visited[converted, i].sum()) / total for i, s in enumerate(chain.states) if i}


def shares(scores: dict[str, float]) -> dict[str, float]:
    whole = sum(max(v, 0.0) for v in scores.values()) or 1.0
    return {k: max(v, 0.0) / whole for k, v in scores.items()}


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"{label:<52} {seconds * 1000:12.3f} ms  {note}")


def report(population: Population, *, walks: int) -> None:
    rows = population.rows
    print(f"\n== {population.name}: {population.paths:,} paths, {len(rows):,} distinct")
    line("baseline: read (or generate) and aggregate the paths", population.load_s)
    counts, count_s = timed(lambda: markov_counts(rows))
    line("build Markov transition counts (order 1)", count_s)
    exact, markov_s = timed(lambda: Markov().solve(counts), repeat=5)
    line(f"re-solve Markov order 1, exact ({len(exact.removal_effects)} channels)", markov_s)
    for order in (2, 3):
        report_order(rows, order)
    shapley_s = report_shapley(rows)
    longest = max(len(path) for path, _ in rows)
    simulated, simulate_s = timed(
        lambda: simulated_removal_effects(counts, walks=walks, max_steps=longest, seed=1)
    )
    exact_shares, simulated_shares = shares(exact.removal_effects), shares(simulated)
    error = max(abs(simulated_shares[k] - v) for k, v in exact_shares.items())
    line(
        f"baseline: simulate the chain, {walks:,} walks",
        simulate_s,
        f"largest share error {error:.4f}",
    )
    print(
        f"ratios: exact Markov / simulation {markov_s / simulate_s:.1e}; "
        f"exact Markov / read+aggregate {markov_s / population.load_s:.1e}; "
        f"exact Shapley / read+aggregate {shapley_s / population.load_s:.1e}"
    )


def report_order(rows: Rows, order: int) -> None:
    counts = markov_counts(rows, order=order)
    states = len(chain_of(counts).states)
    _, seconds = timed(lambda: Markov(order=order).solve(counts))
    line(f"re-solve Markov order {order}, exact ({states:,} states)", seconds)


def report_shapley(rows: Rows) -> float:
    coalitions, count_s = timed(lambda: shapley_counts(rows))
    line(f"build Shapley coalition counts ({len(coalitions):,} sets)", count_s)
    game, exact_s = timed(lambda: Shapley().solve(coalitions), repeat=3)
    line(f"re-solve Shapley, exact ({len(game.values)} channels)", exact_s)
    sampled, sampled_s = timed(lambda: Shapley(exact_limit=4).solve(coalitions))
    worst = max(
        abs(sampled.values[k] - v) / max(sampled.standard_errors[k], 1e-12)
        for k, v in game.values.items()
    )
    line(
        "Shapley from 1,000 sampled orderings (forced)",
        sampled_s,
        f"largest error {worst:.1f} standard errors",
    )
    return exact_s


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.attribution_models")
    parser.add_argument("--paths", type=int, default=1_000_000, help="synthetic population")
    parser.add_argument("--walks", type=int, default=100_000, help="simulated walks")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    # OpenBLAS threads cost more than they bring on these small systems on a shared machine.
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset (OpenBLAS: one per core)")
    print(f"OPENBLAS_NUM_THREADS={threads}")
    report(mta_population(), walks=args.walks)
    report(synthetic_population(args.paths, seed=args.seed), walks=args.walks)


if __name__ == "__main__":
    main()
