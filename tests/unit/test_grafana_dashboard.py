"""The provisioned dashboard: generated from deploy/grafana, laid out on Grafana's grid, one row
per service after the overview, every panel on the provisioned Prometheus. Its queries run
against a real Prometheus in tests/integration/test_grafana_queries.py."""

from __future__ import annotations

import json
from itertools import combinations
from typing import Any

import pytest
import yaml

from deploy.grafana import dashboard
from tests.promql import DASHBOARD, ROOT


@pytest.fixture(scope="module")
def provisioned() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def test_the_committed_json_is_what_the_generator_writes() -> None:
    assert DASHBOARD.read_text() == dashboard.rendered(), "python -m deploy.grafana.dashboard"


def test_an_overview_then_one_row_per_service(provisioned: dict[str, Any]) -> None:
    rows = [panel["title"] for panel in provisioned["panels"] if panel["type"] == "row"]
    assert rows == ["Pipeline overview", "Collector", "Sessionizer", "Attribution", "Feedback"]


def test_panels_fit_the_grid_without_overlapping(provisioned: dict[str, Any]) -> None:
    boxes = [panel["gridPos"] for panel in provisioned["panels"]]
    assert all(box["x"] >= 0 and box["x"] + box["w"] <= 24 for box in boxes)

    def overlap(a: dict[str, int], b: dict[str, int]) -> bool:
        return (
            a["x"] < b["x"] + b["w"]
            and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"]
            and b["y"] < a["y"] + a["h"]
        )

    assert [(a, b) for a, b in combinations(boxes, 2) if overlap(a, b)] == []


def test_every_panel_queries_the_provisioned_prometheus(provisioned: dict[str, Any]) -> None:
    source_file = ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml"
    [source] = yaml.safe_load(source_file.read_text())["datasources"]
    panels = [panel for panel in provisioned["panels"] if panel["type"] != "row"]
    assert len({panel["id"] for panel in provisioned["panels"]}) == len(provisioned["panels"])
    for panel in panels:
        assert panel["targets"], panel["title"]
        assert {t["datasource"]["uid"] for t in panel["targets"]} == {source["uid"]}
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])
        assert all(t["expr"].strip() for t in panel["targets"])


def test_each_consumer_row_shows_the_consumer_kit_panels(provisioned: dict[str, Any]) -> None:
    titles: dict[str, list[str]] = {}
    row = ""
    for panel in provisioned["panels"]:
        if panel["type"] == "row":
            row = panel["title"]
        else:
            titles.setdefault(row, []).append(panel["title"])
    kit = ["Throughput", "Batch duration", "Stage durations, p99", "Lag by partition"]
    for consumer in ("Sessionizer", "Attribution", "Feedback"):
        assert set(kit) <= set(titles[consumer])
