"""Every query of the Grafana dashboard, and every rule expression, against a real Prometheus
scraping the four services after real traffic: none may fail, and none may read a metric that
no service exports (a typo, or a metric renamed in the code but not in the dashboard, would
otherwise draw an empty panel or an alert that can never fire).

Ports: BOUCLE_OPS_PORT_BASE (18700) for the services, +10 for Prometheus, so this runs beside a
`make up` (8000-8003, 9090) and the end-to-end tests (18000-18003)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.observed import Observed, observed_stack
from tests.promql import DASHBOARD, for_prometheus, metric_names, recorded_names, rules

# Series Prometheus makes itself: the scrape's health and the alerts' state.
PROMETHEUS_MADE = frozenset({"up", "ALERTS", "ALERTS_FOR_STATE"})


@pytest.fixture(scope="module")
def stack(template_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Observed]:
    with observed_stack(template_database, tmp_path_factory.mktemp("observed")) as observed:
        yield observed


def panel_queries() -> list[tuple[str, str]]:
    """(panel title, query as Grafana sends it) for every target of the dashboard."""
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], for_prometheus(target["expr"]))
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]


def rule_queries() -> list[tuple[str, str]]:
    return [(rule.get("record") or rule["alert"], rule["expr"]) for rule in rules()]


def query(stack: Observed, expr: str) -> dict[str, Any]:
    response = httpx.get(f"{stack.prometheus}/api/v1/query", params={"query": expr}, timeout=10)
    body: dict[str, Any] = response.json()
    return body


def failures(stack: Observed, queries: list[tuple[str, str]]) -> list[str]:
    found = []
    for name, expr in queries:
        body = query(stack, expr)
        if body.get("status") != "success":
            found.append(f"{name}: {body.get('errorType')}: {body.get('error')} in {expr}")
    return found


def test_every_panel_query_evaluates(stack: Observed) -> None:
    assert failures(stack, panel_queries()) == []


def test_every_rule_expression_evaluates_and_prometheus_runs_them_without_error(
    stack: Observed,
) -> None:
    assert failures(stack, rule_queries()) == []
    groups = httpx.get(f"{stack.prometheus}/api/v1/rules", timeout=10).json()["data"]["groups"]
    evaluated = {rule["name"]: rule for group in groups for rule in group["rules"]}
    assert set(evaluated) == {name for name, _ in rule_queries()}
    assert [name for name, rule in evaluated.items() if rule["health"] != "ok"] == []


def unknown_names(stack: Observed, queries: list[tuple[str, str]]) -> dict[str, set[str]]:
    known = stack.all_exported() | recorded_names() | PROMETHEUS_MADE
    unknown: dict[str, set[str]] = {}
    for name, expr in queries:
        missing = metric_names(expr) - known
        if missing:
            unknown.setdefault(name, set()).update(missing)
    return unknown


def test_every_metric_a_panel_reads_is_exported_by_a_service(stack: Observed) -> None:
    assert unknown_names(stack, panel_queries()) == {}


def test_every_metric_a_rule_reads_is_exported_by_a_service(stack: Observed) -> None:
    assert unknown_names(stack, rule_queries()) == {}


def test_the_feedback_sla_alert_reads_the_counter_the_feedback_service_exports(
    stack: Observed,
) -> None:
    [rule] = [rule for rule in rule_queries() if rule[0] == "FeedbackSlaBreaches"]
    assert metric_names(rule[1]) == {"boucle_feedback_sla_breaches_total"}
    assert "boucle_feedback_sla_breaches_total" in stack.exported["feedback"]


def values(stack: Observed, expr: str) -> dict[str, float]:
    result = query(stack, expr)["data"]["result"]
    return {row["metric"].get("job", ""): float(row["value"][1]) for row in result}


def test_the_overview_shows_the_traffic_that_was_sent(stack: Observed) -> None:
    """The panels are not only valid but draw what happened: events in, each consumer
    consuming, dead letters where they were made, every service up."""
    assert values(stack, 'up{job=~"collector|sessionizer|attribution|feedback"}') == {
        "collector": 1,
        "sessionizer": 1,
        "attribution": 1,
        "feedback": 1,
    }
    assert values(stack, "job:boucle_collector_events_accepted:rate1m")["collector"] > 0
    consumed = values(stack, "job:boucle_records_consumed:rate1m")
    assert set(consumed) == {"sessionizer", "attribution", "feedback"}
    assert min(consumed.values()) > 0
    dead = values(stack, "job:boucle_dead_letters:rate5m")
    assert {"collector", "sessionizer", "attribution"} <= {job for job, v in dead.items() if v > 0}


def test_request_metrics_name_route_templates(stack: Observed) -> None:
    routes = query(stack, "sum by (job, route) (boucle_sessionizer_http_requests_total)")
    seen = {row["metric"]["route"] for row in routes["data"]["result"]}
    assert "/v1/journeys/{identifier}" in seen
    assert not any("demo-customer" in route for route in seen)
