"""The feedback policy lives in settings: it round-trips through JSON and refuses mistakes
with a message that names what to fix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from services.feedback.policy import (
    Condition,
    EscalationStep,
    FeedbackPolicy,
    PrioritySla,
    SlaPolicy,
    TriagePolicy,
    TriageRule,
)
from services.feedback.settings import FeedbackSettings


def test_the_default_policy_round_trips_through_json() -> None:
    policy = FeedbackPolicy()
    assert FeedbackPolicy.model_validate_json(policy.model_dump_json()) == policy


def test_rules_sla_windows_and_bands_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules = '[{"name": "everything", "when": {"instruments": ["nps"]}, "priority": 2}]'
    monkeypatch.setenv("FEEDBACK__POLICY__TRIAGE__RULES", rules)
    monkeypatch.setenv("FEEDBACK__POLICY__SLA__WARNING_RATIO", "0.5")
    monkeypatch.setenv("FEEDBACK__POLICY__INTAKE__REOPEN_WINDOW", "P7D")
    zendesk = '{"negative_max": 3, "positive_min": 4, "recovered_min": 4}'
    monkeypatch.setenv("FEEDBACK__POLICY__NEGATIVITY__BANDS__CSAT", zendesk)
    policy = FeedbackSettings().feedback.policy
    assert [(rule.name, rule.priority) for rule in policy.triage.rules] == [("everything", 2)]
    assert policy.triage.rules[0].when.instruments == ["nps"]
    assert policy.sla.warning_ratio == 0.5
    assert policy.intake.reopen_window == timedelta(days=7)
    assert policy.negativity.bands.band("csat", 3) == "negative"
    assert policy.negativity.bands.band("nps", 6) == "detractor"  # the other bands stay


def test_a_rule_sending_to_an_unknown_queue_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="rule 'vip' sends to unknown queue 'vips'"):
        TriagePolicy(rules=[TriageRule(name="vip", priority=1, queue="vips")])


def test_an_unknown_default_queue_is_refused() -> None:
    with pytest.raises(ValidationError, match="default_queue sends to unknown queue 'help'"):
        TriagePolicy(default_queue="help")


def test_rule_names_must_be_unique() -> None:
    twice = [TriageRule(name="a", priority=1), TriageRule(name="a", priority=2)]
    with pytest.raises(ValidationError, match="rule names must be unique; repeated: a"):
        TriagePolicy(rules=twice)


def test_a_misspelt_condition_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ValidationError) as caught:
        TriagePolicy.model_validate(
            {"rules": [{"name": "x", "priority": 1, "when": {"instrument": ["nps"]}}]}
        )
    assert caught.value.errors()[0]["loc"] == ("rules", 0, "when", "instrument")


@pytest.mark.parametrize("priority", [0, 4])
def test_priorities_are_1_to_3(priority: int) -> None:
    with pytest.raises(ValidationError):
        TriageRule(name="x", priority=priority)


def test_an_empty_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="score_min is above score_max"):
        Condition(score_min=7, score_max=3)


def test_an_sla_must_cover_every_priority() -> None:
    one = PrioritySla(
        first_contact=timedelta(hours=1),
        resolve=timedelta(hours=2),
        ladder=[EscalationStep(notify="lead")],
    )
    with pytest.raises(ValidationError, match=r"exactly the keys \[1, 2, 3\]"):
        SlaPolicy(priorities={1: one})


def test_an_escalation_ladder_must_go_forward_in_time() -> None:
    with pytest.raises(ValidationError, match="strictly increasing"):
        PrioritySla(
            first_contact=timedelta(hours=1),
            resolve=timedelta(hours=2),
            ladder=[
                EscalationStep(after=timedelta(hours=4), notify="manager"),
                EscalationStep(notify="lead"),
            ],
        )
