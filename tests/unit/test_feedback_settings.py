"""The feedback consumer's own settings: job periods, customer value, read from the
environment, frozen, refused with the setting to fix."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.feedback.reading import NeutralReader
from services.feedback.settings import CustomerValueSettings, FeedbackSettings


def test_job_periods_and_value_rules_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDBACK__JOBS__SLA_PERIOD", "PT30S")
    monkeypatch.setenv("FEEDBACK__JOBS__TRENDS_LOOKBACK", "P28D")
    monkeypatch.setenv("FEEDBACK__VALUE__REPORTING_CURRENCY", "EUR")
    monkeypatch.setenv("FEEDBACK__VALUE__RATES", '{"USD": "0.92"}')
    monkeypatch.setenv("TOPICS__ALERTS", "x.alerts")
    settings = FeedbackSettings()
    jobs, value = settings.feedback.jobs, settings.feedback.value
    assert (jobs.sla_period, jobs.trends_lookback, jobs.relay_period) == (
        timedelta(seconds=30),
        timedelta(days=28),
        timedelta(seconds=2),
    )
    assert (value.reporting_currency, value.rates) == ("EUR", {"USD": Decimal("0.92")})
    assert settings.topics.alerts == "x.alerts"
    with pytest.raises(ValidationError):
        settings.feedback.jobs.sla_period = timedelta(0)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "fix"),
    [
        ({"reporting_currency": "euro"}, "reporting_currency"),
        ({"rates": {"eur": "1.1"}}, "3-letter upper-case"),
        ({"rates": {"EUR": "0"}}, "positive"),
    ],
)
def test_bad_value_settings_are_refused_naming_what_to_fix(
    values: dict[str, object], fix: str
) -> None:
    with pytest.raises(ValidationError, match=fix):
        CustomerValueSettings.model_validate(values)


def test_the_neutral_reader_reads_nothing_but_keeps_the_language_hint() -> None:
    verdicts = NeutralReader().read_many(["nul", "bad"], languages=["fr", None])
    assert [(v.language, v.label, v.confidence, v.classifier_version) for v in verdicts] == [
        ("fr", "neutral", 0.0, "none"),
        ("unknown", "neutral", 0.0, "none"),
    ]
