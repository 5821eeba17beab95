"""Shapley values against brute force: the game evaluated coalition by coalition from its
definition, and the Shapley formula summed over every coalition in exact fractions."""

from __future__ import annotations

import math
import random
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.attribution.models import Shapley, Tally, journey_of, shapley_counts
from services.attribution.models.shapley import solve
from tests.mta_paths import mta_rows

Population = dict[frozenset[str], tuple[int, int, int]]  # set → conversions, value, nulls


def brute_force(population: Population, *, value: bool = False) -> dict[str, float]:
    channels = sorted(set().union(*population))
    n = len(channels)

    def rate(subset: frozenset[str]) -> Fraction:
        if subset not in population:
            return Fraction(0)  # never observed (or empty): converts nothing
        conversions, worth, nulls = population[subset]
        return Fraction(worth if value else conversions, conversions + nulls)

    def v(coalition: frozenset[str]) -> Fraction:
        return sum(
            (sum(counts[::2]) * rate(group & coalition) for group, counts in population.items()),
            start=Fraction(0),
        )

    phi = {}
    for channel in channels:
        others = [c for c in channels if c != channel]
        total = Fraction(0)
        for size in range(n):
            weight = Fraction(
                math.factorial(size) * math.factorial(n - size - 1), math.factorial(n)
            )
            for coalition in combinations(others, size):
                members = frozenset(coalition)
                total += weight * (v(members | {channel}) - v(members))
        phi[channel] = float(total)
    return phi


def counts_of(population: Population) -> dict[tuple[str, ...], Tally]:
    return shapley_counts(
        (sorted(group), Tally(conversions, worth, nulls))
        for group, (conversions, worth, nulls) in population.items()
    )


populations = st.dictionaries(
    st.frozensets(st.sampled_from("abcdef"), min_size=1, max_size=4),
    st.tuples(st.integers(0, 30), st.integers(0, 500), st.integers(0, 60)).filter(
        lambda t: t[0] + t[2] > 0
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(populations)
def test_exact_values_equal_brute_force_enumeration(population: Population) -> None:
    solution = solve(counts_of(population))
    assert solution.exact
    assert solution.values == pytest.approx(brute_force(population), abs=1e-9)
    assert solution.value_values == pytest.approx(brute_force(population, value=True), abs=1e-7)


@settings(max_examples=40, deadline=None)
@given(populations)
def test_the_values_add_up_to_every_conversion_and_all_value(population: Population) -> None:
    solution = solve(counts_of(population))
    assert sum(solution.values.values()) == pytest.approx(sum(c for c, _, _ in population.values()))
    assert sum(solution.value_values.values()) == pytest.approx(
        sum(w for _, w, _ in population.values())
    )


def test_on_the_mta_paths_of_six_channels_the_values_equal_brute_force() -> None:
    kept = {"alpha", "beta", "eta", "iota", "theta", "lambda"}
    population: Population = {}
    for row in mta_rows():
        group = frozenset(row.channels)
        if group <= kept:
            c, v, n = population.get(group, (0, 0, 0))
            # Value in cents, so that brute force stays in exact fractions.
            population[group] = (
                c + int(row.conversions),
                v + round(row.value * 100),
                n + int(row.nulls),
            )
    assert len(population) > 30
    solution = solve(counts_of(population))
    assert solution.values == pytest.approx(brute_force(population), rel=1e-9)
    assert solution.value_values == pytest.approx(brute_force(population, value=True), rel=1e-9)


def test_without_observed_subsets_the_game_is_zhaos_and_the_values_unique_channel_linear() -> None:
    # No observed set contains another: each population converts only with all its channels.
    population: Population = {
        frozenset("abc"): (3, 0, 7),
        frozenset("d"): (2, 0, 0),
        frozenset("be"): (4, 0, 50),
    }
    values = solve(counts_of(population)).values
    assert values == pytest.approx({"a": 1, "b": 1 + 2, "c": 1, "d": 2, "e": 2})


def test_a_channel_whose_paths_convert_less_gets_a_negative_value_and_no_credit() -> None:
    # {a}: 100 paths, 10 conversions; {a, b}: 100 paths, 5. v(a) = 10 + 100·0.1 = 20, v(b) = 0,
    # v(ab) = 15: φ_b = (0 + (15 - 20)) / 2 = -2.5 and φ_a = (20 + 15) / 2 = 17.5.
    population: Population = {frozenset("a"): (10, 0, 90), frozenset("ab"): (5, 0, 95)}
    fit = Shapley().fit(counts_of(population))
    assert fit.scores == pytest.approx({"a": 17.5, "b": -2.5})
    assert fit.weigh(journey_of(["a", "b"])) == (1.0, 0.0)
    assert fit.global_allocation()["b"].conversions == 0
    assert fit.global_allocation()["a"].conversions == pytest.approx(15)


def random_population(channels: int, groups: int, seed: int) -> Population:
    rng = random.Random(seed)
    names = [f"ch{i:02d}" for i in range(channels)]
    population: Population = {}
    for _ in range(groups):
        group = frozenset(rng.sample(names, rng.randint(1, 4)))
        population[group] = (rng.randint(0, 40), rng.randint(0, 900), rng.randint(1, 80))
    return population


def test_above_the_exact_limit_sampled_values_lie_within_their_standard_errors() -> None:
    population = random_population(10, 150, seed=7)
    exact = solve(counts_of(population))
    sampled = solve(counts_of(population), exact_limit=5, orderings=2000, seed=3)
    assert not sampled.exact
    assert sampled.orderings == 2000
    for channel, value in exact.values.items():
        error = sampled.standard_errors[channel]
        assert error > 0
        assert abs(sampled.values[channel] - value) <= 4 * error
    # Each ordering's marginal contributions add up to v(all channels): so does their mean.
    assert sum(sampled.values.values()) == pytest.approx(sum(exact.values.values()))


def test_sampling_is_seeded_and_its_error_shrinks_with_more_orderings() -> None:
    counts = counts_of(random_population(10, 150, seed=11))
    first = solve(counts, exact_limit=5, orderings=100, seed=5)
    assert solve(counts, exact_limit=5, orderings=100, seed=5) == first
    more = solve(counts, exact_limit=5, orderings=1600, seed=5)
    assert max(more.standard_errors.values()) < max(first.standard_errors.values()) / 2


def test_the_fit_reports_standard_errors_only_when_it_sampled() -> None:
    counts = counts_of(random_population(8, 60, seed=2))
    assert Shapley().fit(counts).standard_errors == {}
    sampled = Shapley(exact_limit=4, orderings=50).fit(counts)
    assert set(sampled.standard_errors) == set(sampled.scores)


def test_counts_are_kept_per_set_of_distinct_channels_whatever_their_order_or_repeats() -> None:
    counts = shapley_counts([(("b", "a", "b"), Tally(1, 3.0)), (("a", "b"), Tally(nulls=2))])
    assert counts == {("a", "b"): Tally(1, 3.0, 2)}


def test_exact_values_of_twelve_channels_sum_to_the_mta_conversions() -> None:
    rows = mta_rows()
    counts = shapley_counts(
        (row.channels, Tally(row.conversions, row.value, row.nulls)) for row in rows
    )
    solution = solve(counts)
    assert solution.exact
    assert len(solution.values) == 12
    assert sum(solution.values.values()) == pytest.approx(sum(row.conversions for row in rows))
