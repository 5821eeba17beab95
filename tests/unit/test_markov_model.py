"""Markov removal effects against independent routes: a dense re-solve of the whole chain with
each channel's incoming transitions redirected to (null), and, on acyclic chains, the sum over
every walk of the chain. Production uses the fundamental matrix (order 1) or drops the channel's
states (higher orders); the transition counts are rebuilt here from the paths as well."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pytest

from services.attribution.models import (
    Markov,
    Tally,
    accumulate,
    journey_of,
    markov_contribution,
    markov_counts,
    states_of,
)
from tests.mta_paths import Row, mta_rows

ABSORBING = ("(conversion)", "(null)")


def dense_removal_effects(rows: Sequence[Row]) -> tuple[float, dict[str, float], dict[str, float]]:
    """P(conversion), and the conversion and value removal effects, by redirect and re-solve."""
    counts: dict[tuple[str, str], float] = defaultdict(float)
    value_into: dict[str, float] = defaultdict(float)
    for row in rows:
        walk = ["(start)"]
        for channel in row.channels:
            if channel != walk[-1]:
                walk.append(channel)
        for a, b in pairwise(walk):
            counts[(a, b)] += row.conversions + row.nulls
        counts[(walk[-1], "(conversion)")] += row.conversions
        counts[(walk[-1], "(null)")] += row.nulls
        value_into[walk[-1]] += row.value
    states = sorted({s for pair in counts for s in pair} - set(ABSORBING) - {"(start)"})
    order = ["(start)", *states, *ABSORBING]
    at = {state: i for i, state in enumerate(order)}
    full = np.zeros((len(order), len(order)))
    for (a, b), count in counts.items():
        full[at[a], at[b]] += count
    out = full.sum(axis=1)
    reward = np.array([value_into.get(state, 0.0) for state in order])
    with np.errstate(invalid="ignore", divide="ignore"):
        probabilities = np.nan_to_num(full / out[:, None])
        value_reward = np.nan_to_num(reward / out)

    def absorbed(matrix: np.ndarray) -> tuple[float, float]:
        transient = len(order) - 2
        q = matrix[:transient, :transient]
        r = np.column_stack([matrix[:transient, at["(conversion)"]], value_reward[:transient]])
        x = np.linalg.solve(np.eye(transient) - q, r)
        return float(x[0, 0]), float(x[0, 1])

    p, v = absorbed(probabilities)
    removal, value_removal = {}, {}
    for channel in states:
        redirected = probabilities.copy()
        redirected[:, at["(null)"]] += redirected[:, at[channel]]
        redirected[:, at[channel]] = 0.0
        p_without, v_without = absorbed(redirected)
        removal[channel] = 1 - p_without / p
        value_removal[channel] = 1 - v_without / v
    return p, removal, value_removal


def counts_of(rows: Sequence[Row], *, order: int = 1) -> dict[tuple[str, str], Tally]:
    return markov_counts(
        ((row.channels, Tally(row.conversions, row.value, row.nulls)) for row in rows), order=order
    )


def converting_only(rows: Sequence[Row]) -> list[Row]:
    # ChannelAttribution without var_null: rows without conversions go, nulls are not counted.
    return [Row(r.channels, r.conversions, r.value, 0.0) for r in rows if r.conversions > 0]


@pytest.mark.parametrize("nulls", [True, False], ids=["with-nulls", "converting-only"])
def test_removal_effects_match_a_dense_redirect_and_resolve_on_the_mta_paths(nulls: bool) -> None:
    rows = mta_rows() if nulls else converting_only(mta_rows())
    p, removal, value_removal = dense_removal_effects(rows)
    solution = Markov().solve(counts_of(rows))
    assert solution.conversion_probability == pytest.approx(p, rel=1e-12)
    assert solution.removal_effects == pytest.approx(removal, rel=1e-9, abs=1e-12)
    assert solution.value_removal_effects == pytest.approx(value_removal, rel=1e-9, abs=1e-12)
    assert len(solution.removal_effects) == 12


def test_without_nulls_every_path_converts_and_removal_effects_change() -> None:
    with_nulls = Markov().solve(counts_of(mta_rows()))
    without = Markov().solve(counts_of(converting_only(mta_rows())))
    assert without.conversion_probability == pytest.approx(1.0)
    assert with_nulls.conversion_probability == pytest.approx(19785 / (19785 + 68602))
    assert with_nulls.removal_effects != pytest.approx(without.removal_effects, rel=1e-3)


def test_global_allocation_is_each_removal_effect_over_their_sum_of_all_conversions() -> None:
    rows = mta_rows()
    _, removal, value_removal = dense_removal_effects(rows)
    total, value = sum(r.conversions for r in rows), sum(r.value for r in rows)
    allocation = Markov().fit(counts_of(rows)).global_allocation()
    for channel, share in allocation.items():
        assert share.conversions == pytest.approx(total * removal[channel] / sum(removal.values()))
        assert share.value == pytest.approx(
            value * value_removal[channel] / sum(value_removal.values())
        )


def test_the_published_three_path_example_allocates_two_to_one() -> None:
    # pychattr's example (all paths convert): P(start→A)=1, P(A→B)=P(A→conv)=0.5, P(B→A)=1;
    # its 10,000-walk simulation gives A 1.991, B 1.009. Exactly: RE_A = 1, RE_B = 0.5.
    paths = [("A", "B", "A", "B", "B", "A"), ("A", "B", "B", "A", "A"), ("A", "A")]
    fit = Markov().fit(markov_counts((path, Tally(1, 1)) for path in paths))
    assert fit.scores == pytest.approx({"A": 1.0, "B": 0.5})
    allocation = fit.global_allocation()
    assert (allocation["A"].conversions, allocation["B"].conversions) == pytest.approx((2.0, 1.0))


ACYCLIC = [
    Row(("A", "B", "C"), 3, 30, 1),
    Row(("A", "C"), 1, 5, 2),
    Row(("B", "C", "D"), 2, 8, 2),
    Row(("A", "B", "D"), 1, 2, 3),
    Row(("D",), 0, 0, 2),
    Row(("B", "D"), 1, 9, 1),
]


def enumerated_removal_effects(rows: Sequence[Row], *, order: int) -> dict[str, float]:
    """Sum over every walk of the fitted chain: P(visits k and converts) / P(converts)."""
    moves: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        if len(row.channels) <= order:
            states = [" > ".join(row.channels)]
        else:
            windows = len(row.channels) - order + 1
            states = [" > ".join(row.channels[i : i + order]) for i in range(windows)]
        walk = ["(start)", *states]
        for a, b in pairwise(walk):
            moves[a][b] += row.conversions + row.nulls
        moves[walk[-1]]["(conversion)"] += row.conversions
        moves[walk[-1]]["(null)"] += row.nulls
    converting: dict[str, float] = defaultdict(float)
    total = 0.0
    stack = [("(start)", 1.0, frozenset[str]())]
    while stack:
        state, probability, seen = stack.pop()
        out = sum(moves[state].values())
        for target, count in moves[state].items():
            step = probability * count / out
            if target == "(conversion)":
                total += step
                for channel in seen:
                    converting[channel] += step
            elif target != "(null)":
                stack.append((target, step, seen | set(target.split(" > "))))
    return {channel: converting[channel] / total for channel in converting}


@pytest.mark.parametrize("order", [1, 2, 3])
def test_removal_effects_match_the_sum_over_every_walk_of_an_acyclic_chain(order: int) -> None:
    expected = enumerated_removal_effects(ACYCLIC, order=order)
    solution = Markov(order=order).solve(counts_of(ACYCLIC, order=order))
    assert solution.removal_effects == pytest.approx(expected, rel=1e-12)


def test_higher_orders_use_k_grams_of_channels_as_states() -> None:
    assert states_of(["a", "a", "b", "a"]) == ["a", "b", "a"]
    assert states_of(["a", "b", "c"], order=2) == ["a > b", "b > c"]
    assert states_of(["a"], order=2) == ["a"]
    assert states_of(["a", "a", "a"], order=2) == ["a > a"]
    assert states_of(["a", "b", "a", "b"], order=2) == ["a > b", "b > a", "a > b"]


def test_a_path_adds_its_outcome_to_every_step_and_ends_in_the_absorbing_states() -> None:
    assert markov_contribution(["a", "b", "a"], Tally(2, 10.0, 3)) == {
        ("(start)", "a"): Tally(2, 10.0, 3),
        ("a", "b"): Tally(2, 10.0, 3),
        ("b", "a"): Tally(2, 10.0, 3),
        ("a", "(conversion)"): Tally(2, 10.0),
        ("a", "(null)"): Tally(nulls=3),
    }


def test_subtracting_a_changed_path_and_adding_its_new_form_gives_the_counts_of_the_new_paths() -> (
    None
):
    before = [(("a", "b"), Tally(1, 5.0)), (("b",), Tally(nulls=1)), (("a", "c"), Tally(1, 2.0))]
    after = [
        (("a", "b"), Tally(1, 5.0)),
        (("b",), Tally(nulls=1)),
        (("a", "c", "b"), Tally(1, 2.0)),
    ]
    counts = markov_counts(before)
    accumulate(counts, markov_contribution(("a", "c"), Tally(1, 2.0)), sign=-1)
    accumulate(counts, markov_contribution(("a", "c", "b"), Tally(1, 2.0)))
    assert counts == markov_counts(after)
    for path, outcome in after:
        accumulate(counts, markov_contribution(path, outcome), sign=-1)
    assert counts == {}


def test_a_conversion_is_split_over_its_channels_by_removal_effect_touches_sharing_equally() -> (
    None
):
    paths = [("A", "B", "A", "B", "B", "A"), ("A", "B", "B", "A", "A"), ("A", "A")]
    fit = Markov().fit(markov_counts((path, Tally(1, 1)) for path in paths))
    # RE_A = 1 and RE_B = 0.5: A gets 2/3 over its two touches, B 1/3.
    assert fit.weigh(journey_of(["A", "B", "A"])) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert fit.weigh(journey_of(["B", "A"])) == pytest.approx((1 / 3, 2 / 3))


def test_a_path_of_channels_the_fit_never_saw_falls_back_to_linear() -> None:
    fit = Markov().fit(markov_counts([(("A",), Tally(1, 1))]))
    assert fit.weigh(journey_of(["X", "Y", "X"])) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert fit.weigh(journey_of(["X", "A"])) == pytest.approx((0.0, 1.0))


def test_no_conversion_at_all_gives_every_channel_no_removal_effect() -> None:
    solution = Markov().solve(markov_counts([(("A", "B"), Tally(nulls=4))]))
    assert solution.conversion_probability == 0
    assert solution.removal_effects == {"A": 0.0, "B": 0.0}
