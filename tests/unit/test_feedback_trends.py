"""Theme trends: weekly counts from daily rows, and the spike test on them."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from services.feedback.policy import SpikePolicy
from services.feedback.trends import (
    ThemeCount,
    ThemeWeek,
    binomial_tail,
    daily_spikes,
    spike_test,
    weekly,
    weekly_spikes,
)

POLICY = SpikePolicy()
MONDAY = date(2026, 3, 2)
WEEK = timedelta(days=7)


def weeks_of(theme: str, negatives: list[int]) -> list[ThemeWeek]:
    """A theme's weekly negative counts, the last one being the week tested."""
    start = MONDAY - WEEK * (len(negatives) - 1)
    return [
        ThemeWeek(theme, start + WEEK * i, responses=n * 2, negative=n, sentiment=-0.5)
        for i, n in enumerate(negatives)
    ]


def poisson_draw(rng: random.Random, mean: float) -> int:
    """Knuth's multiplication method, fine for small means."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def test_daily_rows_add_up_per_theme_and_iso_week() -> None:
    rows = [
        ThemeCount("delivery", date(2026, 3, 2), responses=3, negative=2, sentiment_sum=-1.2),
        ThemeCount("delivery", date(2026, 3, 8), responses=1, negative=1, sentiment_sum=-0.6),
        ThemeCount("delivery", date(2026, 3, 9), responses=2, negative=0, sentiment_sum=0.8),
        ThemeCount("billing", date(2026, 3, 4), responses=4, negative=4, sentiment_sum=-2.0),
    ]
    result = weekly(rows)
    assert [(w.theme, w.week, w.responses, w.negative) for w in result] == [
        ("billing", date(2026, 3, 2), 4, 4),
        ("delivery", date(2026, 3, 2), 4, 3),
        ("delivery", date(2026, 3, 9), 2, 0),
    ]
    assert result[1].sentiment == pytest.approx((-1.2 - 0.6) / 4)
    assert result[1].negative_share == 0.75


@pytest.mark.parametrize(("trials", "share"), [(1, 0.2), (5, 0.2), (30, 0.5), (400, 0.25)])
def test_the_binomial_tail_matches_closed_forms(trials: int, share: float) -> None:
    assert binomial_tail(0, trials, share) == 1.0
    assert binomial_tail(1, trials, share) == pytest.approx(1 - (1 - share) ** trials)
    assert binomial_tail(trials, trials, share) == pytest.approx(share**trials, rel=1e-9)
    assert binomial_tail(trials + 1, trials, share) == 0.0


@pytest.mark.parametrize(
    ("observed", "trials", "share"),
    [(7, 20, 0.2), (3, 20, 0.2), (300, 1000, 0.25), (240, 1000, 0.25), (60, 5000, 0.01)],
)
def test_the_binomial_tail_matches_one_minus_the_summed_lower_terms(
    observed: int, trials: int, share: float
) -> None:
    lower = math.fsum(
        math.comb(trials, k) * share**k * (1 - share) ** (trials - k) for k in range(observed)
    )
    assert binomial_tail(observed, trials, share) == pytest.approx(1 - lower, rel=1e-6, abs=1e-12)


def test_a_flat_series_never_alerts() -> None:
    for level in (0, 1, 5, 10, 200):
        assert weekly_spikes(weeks_of("app", [level] * 5), week=MONDAY, policy=POLICY) == []


def test_an_injected_spike_alerts() -> None:
    (alert,) = weekly_spikes(weeks_of("app", [8, 9, 7, 8, 30]), week=MONDAY, policy=POLICY)
    assert (alert.theme, alert.window, alert.measure, alert.test.kind) == (
        "app",
        MONDAY,
        "negative",
        "spike",
    )
    assert alert.test.expected == 8.0
    assert alert.test.p_value < 0.001


def test_a_year_of_poisson_noise_raises_no_alert() -> None:
    rng = random.Random(20260301)
    counts = [poisson_draw(rng, 8.0) for _ in range(52)]
    alerts = [
        spike_test(counts[i], counts[i - 4 : i], policy=POLICY).kind for i in range(4, len(counts))
    ]
    assert alerts == [None] * 48
    counts[30] = 30
    assert spike_test(counts[30], counts[26:30], policy=POLICY).kind == "spike"


def test_few_mentions_never_alert_however_new_the_theme() -> None:
    assert weekly_spikes(weeks_of("staff", [0, 0, 0, 0, 4]), week=MONDAY, policy=POLICY) == []
    (alert,) = weekly_spikes(weeks_of("staff", [0, 0, 0, 0, 5]), week=MONDAY, policy=POLICY)
    assert (alert.test.kind, alert.test.expected) == ("spike", 0.0)
    assert alert.test.p_value == pytest.approx(0.2**5)  # all 5 mentions fell in the new week


def test_a_noisy_theme_needs_a_high_z_score_too() -> None:
    noisy = spike_test(70, [20, 60, 25, 55], policy=POLICY)
    assert noisy.p_value < 0.001
    assert noisy.z is not None
    assert noisy.z < 3
    assert noisy.kind is None
    assert spike_test(150, [20, 60, 25, 55], policy=POLICY).kind == "spike"


def test_growth_from_a_small_baseline_is_an_emerging_alert() -> None:
    test = spike_test(8, [2, 2, 2, 2], policy=POLICY)
    assert 0.001 < test.p_value < 0.01
    assert test.kind == "emerging"
    assert spike_test(6, [2, 2, 2, 2], policy=POLICY).kind is None  # 3x, but p = 0.04
    assert spike_test(8, [6, 6, 6, 6], policy=POLICY).kind is None  # not a small baseline


def test_more_feedback_overall_is_not_a_spike_when_volumes_are_given() -> None:
    history = weeks_of("delivery", [10, 10, 10, 10, 30])
    volumes = {w.week: 100 for w in history} | {MONDAY: 300}
    assert weekly_spikes(history, week=MONDAY, policy=POLICY, volumes=volumes) == []
    assert len(weekly_spikes(history, week=MONDAY, policy=POLICY)) == 1


def test_weeks_without_any_feedback_are_left_out_of_the_baseline() -> None:
    history = weeks_of("delivery", [0, 0, 10, 10, 12])
    down = {w.week: 100 for w in history} | {history[0].week: 0, history[1].week: 0}
    test = spike_test(
        12, [0, 0, 10, 10], policy=POLICY, volume=100, baseline_volumes=[0, 0, 100, 100]
    )
    assert (test.expected, test.kind) == (10.0, None)
    assert weekly_spikes(history, week=MONDAY, policy=POLICY, volumes=down) == []
    alone = spike_test(
        40, [0, 0, 0, 10], policy=POLICY, volume=100, baseline_volumes=[0, 0, 0, 100]
    )
    assert (alone.kind, alone.p_value) == (None, 1.0)  # one week is no baseline


def test_a_theme_missing_from_a_baseline_week_counted_zero_there() -> None:
    rows = [w for w in weeks_of("ads", [9, 9, 9, 9, 40]) if w.week != MONDAY - 2 * WEEK]
    (alert,) = weekly_spikes(rows, week=MONDAY, policy=POLICY)
    assert alert.test.expected == pytest.approx((9 + 9 + 0 + 9) / 4)


def test_daily_spikes_compare_a_day_with_the_same_weekday() -> None:
    rows = []
    for back in range(1, 5):
        monday = MONDAY - WEEK * back
        rows.append(ThemeCount("app", monday, responses=20, negative=20, sentiment_sum=-10))
        rows.append(ThemeCount("app", monday + timedelta(days=1), 2, 2, -1))
    rows.append(ThemeCount("app", MONDAY, responses=22, negative=22, sentiment_sum=-11))
    rows.append(ThemeCount("app", MONDAY + timedelta(days=1), 20, 20, -10))
    assert daily_spikes(rows, day=MONDAY, policy=POLICY) == []
    (tuesday,) = daily_spikes(rows, day=MONDAY + timedelta(days=1), policy=POLICY)
    assert (tuesday.test.kind, tuesday.test.expected) == ("spike", 2.0)


def test_the_measure_can_be_all_mentions_instead_of_negative_ones() -> None:
    rows = weeks_of("app", [5, 5, 5, 5, 5])
    grown = [*rows[:-1], ThemeWeek("app", MONDAY, responses=40, negative=5, sentiment=0.2)]
    assert weekly_spikes(grown, week=MONDAY, policy=POLICY) == []
    (alert,) = weekly_spikes(grown, week=MONDAY, policy=POLICY, measure="responses")
    assert alert.measure == "responses"
