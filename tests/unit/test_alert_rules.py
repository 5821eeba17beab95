"""The alert rules' shape: what every alert carries, that each has a promtool test that fires
it and one that keeps it quiet (deploy/prometheus/tests, run by `make test-rules`), and that
the README says what each one means."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
import yaml

from tests.promql import ROOT, rules

ALERTS = [rule for rule in rules() if "alert" in rule]
README = (ROOT / "README.md").read_text()


def promtool_cases() -> dict[str, set[bool]]:
    """Alert name → whether its tests expect it firing (True), quiet (False), or both."""
    cases: dict[str, set[bool]] = defaultdict(set)
    for path in sorted((ROOT / "deploy/prometheus/tests").glob("*.yml")):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                cases[case["alertname"]].add(bool(case.get("exp_alerts")))
    return cases


def test_there_is_an_alert_for_each_thing_an_operator_must_hear_about() -> None:
    names = {rule["alert"] for rule in ALERTS}
    assert {
        "ServiceDown",
        "ConsumerHalted",
        "ConsumerLagGrowing",
        "DeadLettersHigh",
        "HttpErrorsHigh",
        "CollectorSpooling",
        "CollectorPublishErrors",
        "FeedbackSlaBreaches",
        "ScheduledJobFailing",
        "ScheduledJobStale",
    } <= names


@pytest.mark.parametrize("rule", ALERTS, ids=lambda rule: rule["alert"])
def test_every_alert_waits_has_a_severity_and_says_what_to_do(rule: dict[str, Any]) -> None:
    assert rule["for"]
    assert rule["labels"]["severity"] in {"critical", "warning"}
    assert {"summary", "description", "runbook"} <= set(rule["annotations"])


@pytest.mark.parametrize("rule", ALERTS, ids=lambda rule: rule["alert"])
def test_every_alert_has_a_firing_and_a_quiet_promtool_case(rule: dict[str, Any]) -> None:
    assert promtool_cases()[rule["alert"]] == {True, False}


@pytest.mark.parametrize("rule", ALERTS, ids=lambda rule: rule["alert"])
def test_the_readme_explains_every_alert(rule: dict[str, Any]) -> None:
    operations = README[README.index("## Operations") : README.index("## Development")]
    assert f"**{rule['alert']}**" in operations
