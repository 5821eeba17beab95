"""What the dashboard and the rules read, and what the services export: the metric names in a
PromQL expression (Prometheus 2.42 has no endpoint that parses one), and the names a
``/metrics`` page declares. Tested in tests/unit/test_promql_names.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "deploy" / "prometheus" / "rules"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "boucle.json"

KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "inf", "nan"})
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_GROUPINGS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
# A name not glued to a number (1e3, 5m) nor followed by "(": that is a function.
_NAMES = re.compile(r"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*(?![\w:]*\s*\()")
# Grafana's variables, as Grafana would fill them for a short time range.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (label names, functions, keywords aside)."""
    text = _STRINGS.sub('""', expr)
    for pattern in (_MATCHERS, _RANGES, _GROUPINGS):
        text = pattern.sub(" ", text)
    return {name for name in _NAMES.findall(text) if name not in KEYWORDS}


def for_prometheus(expr: str) -> str:
    """A panel's query as Grafana sends it: its variables filled in."""
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gaugehistogram": ("_bucket", "_gcount", "_gsum"),
    "info": ("_info",),
}


def exported_names(text: str) -> set[str]:
    """Every series name a ``/metrics`` page declares, samples or not: a labelled metric that
    nothing has counted yet is declared (HELP and TYPE) and exported all the same."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.update(family.name + suffix for suffix in _SUFFIXES.get(family.type, ("",)))
        names.update(sample.name for sample in family.samples)
    return names


def rules() -> list[dict[str, Any]]:
    """Every recording and alerting rule of deploy/prometheus/rules."""
    found: list[dict[str, Any]] = []
    for path in sorted(RULES_DIR.glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            found.extend(group["rules"])
    return found


def recorded_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}
