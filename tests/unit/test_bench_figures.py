"""How the pipeline benchmark reads its samples: lag that keeps up or falls behind, and
percentiles over markers some of which never became visible."""

from __future__ import annotations

from bench.pipeline.lag import LagSeries
from bench.pipeline.results import percentile


def series(lags: list[int]) -> LagSeries:
    out = LagSeries()
    for second, lag in enumerate(lags):
        out.add(float(second), lag)
    return out


def test_lag_wandering_around_a_batch_is_bounded() -> None:
    summary = series([300, 500, 120, 480, 260, 510, 90, 400, 300, 450]).summary(0, 9, rate=500)
    assert summary.verdict == "bounded"
    assert summary.peak == 510


def test_lag_rising_by_the_deficit_every_second_is_growing() -> None:
    summary = series([400 * s for s in range(31)]).summary(0, 30, rate=500)
    assert summary.verdict == "growing"
    assert summary.last_third > summary.first_third


def test_lag_samples_after_the_load_count_only_as_the_end_lag() -> None:
    summary = series([10, 10, 10, 10, 10, 10, 9_000]).summary(0, 5, rate=100)
    assert (summary.verdict, summary.end) == ("bounded", 9_000)


def test_percentiles_over_markers_all_seen() -> None:
    seen = [0.1 * n for n in range(1, 101)]
    assert percentile(seen, 100, 0.5) == seen[50]
    assert percentile(seen, 100, 0.99) == seen[99]


def test_a_percentile_falling_on_an_unseen_marker_is_unknown_not_the_slowest_seen() -> None:
    seen = [0.2, 0.3, 0.4]
    assert percentile(seen, 10, 0.2) == 0.4
    assert percentile(seen, 10, 0.5) is None
    assert percentile([], 0, 0.5) is None
