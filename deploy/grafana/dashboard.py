"""The Grafana dashboard of the pipeline, written as the provisioning JSON Grafana reads.

    python -m deploy.grafana.dashboard          rewrites deploy/grafana/dashboards/boucle.json
    python -m deploy.grafana.dashboard --check  exits 1 when that file is not what this makes

The panels are declared here, not edited in Grafana's UI: the consumer rows are one template,
and tests/unit/test_grafana_dashboard.py fails when the JSON and this file disagree. Every query
is evaluated against a real Prometheus by tests/integration/test_grafana_queries.py.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.grafana.overview import overview_panels
from deploy.grafana.panels import Panel, Query
from deploy.grafana.services import service_rows

DASHBOARD_FILE = Path(__file__).parent / "dashboards" / "boucle.json"
DATASOURCE = {"type": "prometheus", "uid": "boucle-prometheus"}
GRID_WIDTH = 24


@dataclass(frozen=True, slots=True)
class Row:
    title: str
    panels: Sequence[Panel]


def rows() -> list[Row]:
    return [
        Row("Pipeline overview", overview_panels()),
        *(Row(title, panels) for title, panels in service_rows()),
    ]


def panel_json(panel: Panel, *, panel_id: int, x: int, y: int) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": panel.unit}
    if panel.kind == "stat":
        steps = [{"color": color, "value": value} for color, value in panel.steps]
        defaults["thresholds"] = {"mode": "absolute", "steps": steps}
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": _options(panel.kind),
        "targets": [
            _target(query, ref) for query, ref in zip(panel.queries, _refs(), strict=False)
        ],
    }


def _options(kind: str) -> dict[str, Any]:
    if kind == "stat":
        return {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background"}
    return {
        "legend": {"displayMode": "list", "placement": "bottom"},
        "tooltip": {"mode": "multi"},
    }


def _target(query: Query, ref: str) -> dict[str, Any]:
    return {
        "refId": ref,
        "datasource": DATASOURCE,
        "expr": query.expr,
        "legendFormat": query.legend,
    }


def _refs() -> Iterator[str]:
    yield from "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def layout(all_rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Rows one under the other; in a row, panels left to right, wrapping at the grid's width."""
    out: list[dict[str, Any]] = []
    y, next_id = 0, 1
    for row in all_rows:
        out.append(_row_json(row.title, panel_id=next_id, y=y))
        next_id, y = next_id + 1, y + 1
        x, line_height = 0, 0
        for panel in row.panels:
            if x + panel.width > GRID_WIDTH:
                x, y, line_height = 0, y + line_height, 0
            out.append(panel_json(panel, panel_id=next_id, x=x, y=y))
            next_id += 1
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height
    return out


def _row_json(title: str, *, panel_id: int, y: int) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": "row",
        "title": title,
        "collapsed": False,
        "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y},
        "panels": [],
    }


def dashboard() -> dict[str, Any]:
    return {
        "uid": "boucle-pipeline",
        "title": "Boucle pipeline",
        "description": "Collector, consumers and jobs of Boucle (README: Operations)",
        "tags": ["boucle"],
        "timezone": "browser",
        "editable": False,
        "refresh": "10s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": layout(rows()),
    }


def rendered() -> str:
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str]) -> int:
    text = rendered()
    if list(argv) == ["--check"]:
        current = DASHBOARD_FILE.read_text(encoding="utf-8") if DASHBOARD_FILE.exists() else ""
        if current != text:
            print(f"{DASHBOARD_FILE} is out of date: python -m deploy.grafana.dashboard")
            return 1
        return 0
    DASHBOARD_FILE.parent.mkdir(parents=True, exist_ok=True)
    DASHBOARD_FILE.write_text(text, encoding="utf-8")
    queries = sum(len(panel.get("targets", [])) for panel in dashboard()["panels"])
    print(f"wrote {DASHBOARD_FILE} ({queries} queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
