"""Properties every model keeps: each conversion's credits sum to one (and its revenue exactly),
no touch gets a negative share, and channels that behave identically get identical credit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.attribution.models import (
    PATH_MODELS,
    ChannelFit,
    Journey,
    Markov,
    Shapley,
    Tally,
    Touch,
    Weights,
    apportion,
    journey_of,
    markov_counts,
    path_model,
    shapley_counts,
)
from tests.factories import T0

CHANNELS = ["direct", "email", "paid_search", "display", "social"]

hours = st.integers(min_value=0, max_value=24 * 90)


@st.composite
def journeys(draw: st.DrawFn) -> Journey:
    ages = sorted(draw(st.lists(hours, min_size=1, max_size=12)), reverse=True)
    touches = tuple(
        Touch(channel=draw(st.sampled_from(CHANNELS)), at=T0 - timedelta(hours=age)) for age in ages
    )
    stage = st.none() | hours.map(lambda age: T0 - timedelta(hours=age))
    return Journey(
        touches=touches,
        converted_at=T0,
        lead_created=draw(stage),
        opportunity_created=draw(stage),
        deal_closed=draw(stage),
    )


paths = st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=8)
populations = st.lists(
    st.tuples(paths, st.integers(0, 5), st.integers(0, 5)).filter(lambda p: p[1] + p[2] > 0),
    min_size=1,
    max_size=25,
)


Population = list[tuple[list[str], int, int]]  # path, conversions, nulls


def fitted(population: Population) -> list[tuple[str, ChannelFit]]:
    rows = [
        (path, Tally(conversions, 10.0 * conversions, nulls))
        for path, conversions, nulls in population
    ]
    return [
        ("markov", Markov().fit(markov_counts(rows))),
        ("markov2", Markov(order=2).fit(markov_counts(rows, order=2))),
        ("shapley", Shapley().fit(shapley_counts(rows))),
    ]


@settings(max_examples=200, deadline=None)
@given(journeys())
def test_every_path_model_gives_each_touch_a_weight_and_they_sum_to_one(journey: Journey) -> None:
    for name in PATH_MODELS:
        weights = path_model(name).weigh(journey)
        assert len(weights) == len(journey.touches), name
        assert min(weights) >= 0, name
        assert sum(weights) == pytest.approx(1.0, abs=1e-12), name


@settings(max_examples=60, deadline=None)
@given(populations, paths)
def test_every_fitted_model_splits_each_conversion_into_weights_summing_to_one(
    population: Population, path: list[str]
) -> None:
    for name, fit in fitted(population):
        weights = fit.weigh(journey_of(path))
        assert len(weights) == len(path), name
        assert min(weights) >= 0, name
        assert sum(weights) == pytest.approx(1.0, abs=1e-12), name


revenues = st.decimals(min_value=0, max_value=10**7, places=5, allow_nan=False)
weight_lists = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=15).filter(
    lambda ws: sum(ws) > 1e-6
)


@settings(max_examples=300, deadline=None)
@given(revenues, weight_lists)
def test_apportioned_credits_add_up_exactly_and_stay_close_to_the_weights(
    revenue: Decimal, raw: list[float]
) -> None:
    weights = [w / sum(raw) for w in raw]
    portions = apportion(revenue, weights)
    assert sum(p.revenue for p in portions) == revenue
    assert sum(p.weight for p in portions) == 1
    for portion in portions:
        assert portion.revenue >= 0
        assert portion.weight >= 0
        assert weights[portion.index] > 0  # a touch without weight gets nothing
        assert abs(float(portion.weight) - weights[portion.index]) <= 1e-6 + 1e-12
        assert abs(float(portion.revenue) - float(revenue) * weights[portion.index]) <= 1.1e-4


def mirrored(population: Population) -> Population:
    """The population plus its copy with email and display swapped: the two are interchangeable."""
    swap = {"email": "display", "display": "email"}
    return population + [
        ([swap.get(c, c) for c in path], conv, nulls) for path, conv, nulls in population
    ]


def totals(weigh: Callable[[Journey], Weights], population: Population) -> dict[str, float]:
    credit: dict[str, float] = defaultdict(float)
    for path, conversions, _ in population:
        for channel, weight in zip(path, weigh(journey_of(path)), strict=True):
            credit[channel] += conversions * weight
    return credit


@settings(max_examples=40, deadline=None)
@given(populations)
def test_interchangeable_channels_get_identical_credit_under_every_model(
    population: Population,
) -> None:
    population = mirrored(population)
    weighers: list[tuple[str, Callable[[Journey], Weights]]] = [
        (name, path_model(name).weigh) for name in PATH_MODELS if not PATH_MODELS[name].needs_times
    ]
    weighers += [(name, fit.weigh) for name, fit in fitted(population)]
    for name, weigh in weighers:
        credit = totals(weigh, population)
        assert credit["email"] == pytest.approx(credit["display"], rel=1e-9, abs=1e-9), name
    for name, fit in fitted(population):
        allocation = fit.global_allocation()
        if "email" in allocation:
            assert allocation["email"].conversions == pytest.approx(
                allocation["display"].conversions, rel=1e-9, abs=1e-9
            ), name
