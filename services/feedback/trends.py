"""The outer loop: theme counts per week and a spike test on them. Pure, from counts.

The consumer keeps one row per theme and day (``ThemeCount``, updated by each batch); these
functions read those rows, never raw feedback.

The spike test (``spike_test``) compares a window's count of a theme with the same theme's
counts in the baseline windows (the 4 weeks before, or the same weekday of those weeks) with the
exact conditional test for two Poisson rates: if nothing changed, then given the total count
``n`` of the current and baseline windows, the current window's count is Binomial(n, w), ``w``
its share of the exposure (1/5 against four equal weeks; with total feedback volumes given, its
share of the volume, because complaints grow with orders and a survey campaign that doubles
responses doubles every theme). Unlike a z-score, it is exact for small counts and needs no
standard deviation (zero on a flat series); unlike a Poisson tail around the baseline mean, it
counts the baseline's own noise. On simulated Poisson series with 4-week baselines (means 0.5 to
100, ``python -m bench.feedback``), that Poisson tail alarms on up to 0.34 % of windows at a
nominal 0.1 %, this test on at most 0.075 %; the price is power on moderate jumps (8 -> 20 is
caught 39 % of the time against 74 %), while 8 -> 30, 40 -> 80 and 0 -> 5 are caught >= 99 %.

A window alerts as a **spike** when all of:

1. its count is at least ``min_count`` (5): a handful of mentions is anecdote, not a trend;
2. the binomial upper tail is below ``alpha`` (0.001): with a hundred themes watched weekly,
   at most about one false alarm in ten weeks; a theme absent from four baseline weeks alerts
   at 5 mentions (0.2^5 = 3.2e-4) and not at 4;
3. when the baseline varies more than Poisson allows (sample variance above the mean, as real
   series often do), the count is also ``z_min`` (3) sample standard deviations above the
   baseline mean, so a naturally noisy theme does not alert on every high week.

A weaker **emerging** alert catches growth from a small baseline that the strict test misses
(notes §6.8): count >= ``min_count``, baseline mean <= ``emerging_max_mean`` (5), count >=
``emerging_ratio`` (3) * max(baseline mean, 1), and the tail below ``emerging_alpha`` (0.01).
Simulated, it fires on up to 0.42 % of noise windows (baseline means 1-5, none above 8) and
catches 38 % of 2 -> 10 and 21 % of 1 -> 5 growths that the strict test misses: a watch list,
not a page.

Windows with zero total volume (no data: the pipeline was down) are left out of the baseline;
fewer than two baseline windows left is no test.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from services.feedback.policy import SpikePolicy

AlertKind = Literal["spike", "emerging"]
Measure = Literal["negative", "responses"]
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ThemeCount:
    """One theme's mentions on one day (``GROUP BY theme, day``)."""

    theme: str
    day: date
    responses: int
    negative: int
    # Sum of the text verdicts' scores (-1..1) of those responses.
    sentiment_sum: float


@dataclass(frozen=True, slots=True)
class ThemeWeek:
    theme: str
    week: date  # its Monday
    responses: int
    negative: int
    sentiment: float | None  # mean verdict score

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.responses if self.responses else None


@dataclass(frozen=True, slots=True)
class SpikeTest:
    observed: int
    expected: float
    # Poisson P(X ≥ observed | expected); 1.0 when there was no baseline to test against.
    p_value: float
    # Sample z-score, computed only for an overdispersed baseline.
    z: float | None
    kind: AlertKind | None


@dataclass(frozen=True, slots=True)
class SpikeAlert:
    theme: str
    window: date
    measure: Measure
    test: SpikeTest


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(rows: Iterable[ThemeCount]) -> list[ThemeWeek]:
    """Daily rows summed per theme and ISO week, in (week, theme) order."""
    sums: dict[tuple[date, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for row in rows:
        total = sums[(week_of(row.day), row.theme)]
        total[0] += row.responses
        total[1] += row.negative
        total[2] += row.sentiment_sum
    return [
        ThemeWeek(
            theme=theme,
            week=week,
            responses=int(responses),
            negative=int(negative),
            sentiment=sentiment / responses if responses else None,
        )
        for (week, theme), (responses, negative, sentiment) in sorted(sums.items())
    ]


def binomial_tail(observed: int, trials: int, share: float) -> float:
    """P(X >= observed) for X ~ Binomial(trials, share), summed from ``observed`` outwards in
    the direction where terms shrink, so large counts neither underflow nor take long."""
    if observed <= 0:
        return 1.0
    if observed > trials or share <= 0:
        return 0.0
    if share >= 1:
        return 1.0
    log_term = (
        math.lgamma(trials + 1)
        - math.lgamma(observed + 1)
        - math.lgamma(trials - observed + 1)
        + observed * math.log(share)
        + (trials - observed) * math.log1p(-share)
    )
    odds = share / (1 - share)
    if observed > trials * share:  # upper terms shrink from here on
        return min(_upper(math.exp(log_term), observed, trials, odds), 1.0)
    return max(0.0, 1.0 - _lower(math.exp(log_term), observed, trials, odds))


def _upper(term: float, k: int, trials: int, odds: float) -> float:
    """Sum of the pmf from k (whose term is given) to trials."""
    total = term
    while k < trials and term > total * 1e-17:
        term *= (trials - k) / (k + 1) * odds
        k += 1
        total += term
    return total


def _lower(term: float, k: int, trials: int, odds: float) -> float:
    """Sum of the pmf below k (whose term is given), downwards from k - 1."""
    below = 0.0
    while k > 0:
        term *= k / (trials - k + 1) / odds
        k -= 1
        below += term
        if term < below * 1e-17:
            break
    return below


def spike_test(
    observed: int,
    baseline: Sequence[int],
    *,
    policy: SpikePolicy,
    volume: int | None = None,
    baseline_volumes: Sequence[int] | None = None,
) -> SpikeTest:
    """Tests one window's count against its baseline windows (see the module docstring)."""
    windows = _windows(baseline, volume, baseline_volumes)
    if len(windows) < 2:
        return SpikeTest(observed, 0.0, 1.0, None, None)
    exposure = sum(1 / weight for _, weight in windows)  # in current windows' worth
    baseline_total = sum(count for count, _ in windows)
    p_value = binomial_tail(observed, observed + baseline_total, 1 / (1 + exposure))
    expected = baseline_total / exposure  # the baseline rate at the current exposure
    variance = statistics.variance([count * weight for count, weight in windows])
    z = (observed - expected) / math.sqrt(variance) if variance > expected else None
    kind: AlertKind | None = None
    if observed >= policy.min_count:
        if p_value < policy.alpha and (z is None or z >= policy.z_min):
            kind = "spike"
        elif _emerging(observed, expected, p_value, policy):
            kind = "emerging"
    return SpikeTest(observed, expected, p_value, z, kind)


def _emerging(observed: int, expected: float, p_value: float, policy: SpikePolicy) -> bool:
    small = expected <= policy.emerging_max_mean
    grew = observed >= policy.emerging_ratio * max(expected, 1.0)
    return small and grew and p_value < policy.emerging_alpha


def _windows(
    baseline: Sequence[int], volume: int | None, volumes: Sequence[int] | None
) -> list[tuple[int, float]]:
    """The usable baseline windows: (count, current volume / its volume), weight 1 without
    volumes; windows without volume, and every window when the current one has none, drop."""
    if volume is None or volumes is None:
        return [(count, 1.0) for count in baseline]
    if len(volumes) != len(baseline):
        raise ValueError("baseline and baseline_volumes must have the same length")
    if volume <= 0:
        return []
    return [(c, volume / v) for c, v in zip(baseline, volumes, strict=True) if v > 0]


def weekly_spikes(
    weeks: Iterable[ThemeWeek],
    *,
    week: date,
    policy: SpikePolicy,
    measure: Measure = "negative",
    volumes: Mapping[date, int] | None = None,
) -> list[SpikeAlert]:
    """Alerts for ``week`` against the ``baseline_weeks`` before it; a theme without a row in a
    baseline week had no mentions that week. ``volumes``: total responses per week."""
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for row in weeks:
        counts[row.theme][row.week] = row.negative if measure == "negative" else row.responses
    starts = [week - WEEK * back for back in range(policy.baseline_weeks, 0, -1)]
    return _alerts(
        counts, window=week, baseline=starts, policy=policy, measure=measure, volumes=volumes
    )


def daily_spikes(
    days: Iterable[ThemeCount],
    *,
    day: date,
    policy: SpikePolicy,
    measure: Measure = "negative",
    volumes: Mapping[date, int] | None = None,
) -> list[SpikeAlert]:
    """Alerts for ``day`` against the same weekday of the ``baseline_weeks`` before it, so a
    Monday is compared with Mondays (weekly seasonality)."""
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for row in days:
        counts[row.theme][row.day] = row.negative if measure == "negative" else row.responses
    starts = [day - WEEK * back for back in range(policy.baseline_weeks, 0, -1)]
    return _alerts(
        counts, window=day, baseline=starts, policy=policy, measure=measure, volumes=volumes
    )


def _alerts(
    counts: Mapping[str, Mapping[date, int]],
    *,
    window: date,
    baseline: Sequence[date],
    policy: SpikePolicy,
    measure: Measure,
    volumes: Mapping[date, int] | None,
) -> list[SpikeAlert]:
    alerts = []
    for theme, by_window in sorted(counts.items()):
        test = spike_test(
            by_window.get(window, 0),
            [by_window.get(start, 0) for start in baseline],
            policy=policy,
            volume=volumes.get(window, 0) if volumes is not None else None,
            baseline_volumes=[volumes.get(s, 0) for s in baseline] if volumes is not None else None,
        )
        if test.kind is not None:
            alerts.append(SpikeAlert(theme, window, measure, test))
    return alerts
