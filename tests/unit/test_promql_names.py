"""The metric names the dashboard test compares with what the services export."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from tests.promql import exported_names, for_prometheus, metric_names


def test_names_are_read_past_functions_groupings_matchers_and_ranges() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (job, le) (rate(boucle_x_seconds_bucket{route!~"/a|b"}'
        "[5m]))) / on (job) group_left (route) max without (instance) (boucle_y_total offset 1h)"
    )
    assert metric_names(expr) == {"boucle_x_seconds_bucket", "boucle_y_total"}


def test_recorded_names_with_colons_and_set_operators_are_read() -> None:
    expr = (
        "job:boucle_a:rate5m > 0.05 and job:boucle_b:rate5m > 1e-2 "
        "unless on (job, scheduled_job) time() - c_seconds > bool 3 * d"
    )
    assert metric_names(expr) == {"job:boucle_a:rate5m", "job:boucle_b:rate5m", "c_seconds", "d"}


def test_label_values_that_look_like_names_are_not_names() -> None:
    expr = 'up{job=~"collector|sessionizer"} == 0 or label_replace(v, "dst", "$1", "src", "(.*)")'
    assert metric_names(expr) == {"up", "v"}


def test_grafana_variables_are_filled_as_grafana_would() -> None:
    assert for_prometheus("rate(x_total[$__rate_interval])") == "rate(x_total[1m])"


def test_exported_names_include_labelled_metrics_nothing_counted_yet() -> None:
    registry = CollectorRegistry()
    Counter("boucle_s_jobs_total", "runs", ["scheduled_job"], registry=registry)
    Histogram("boucle_s_batch_seconds", "time", registry=registry)
    Gauge("boucle_s_halted", "halted", registry=registry)
    names = exported_names(generate_latest(registry).decode())
    assert {
        "boucle_s_jobs_total",
        "boucle_s_batch_seconds_bucket",
        "boucle_s_batch_seconds_count",
        "boucle_s_batch_seconds_sum",
        "boucle_s_halted",
    } <= names
    assert "boucle_s_jobs" not in names
