"""Which models a service computes: every one by default, names or names with parameters."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.attribution.settings import ALL_MODELS, AttributionSettings
from tests.attribution_fixtures import options


def test_every_model_is_computed_by_default() -> None:
    assert options().lineup().names == ALL_MODELS
    assert len(ALL_MODELS) == 10


def test_models_come_from_the_environment_as_names_or_names_with_parameters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "ATTRIBUTION__MODELS",
        '["linear", {"name": "time_decay", "params": {"half_life_days": 3}}, "markov"]',
    )
    lineup = AttributionSettings().attribution.lineup()
    assert lineup.names == ("linear", "time_decay", "markov")
    assert lineup.keys["time_decay"].startswith("time_decay.v1(half_life_days=3.0)@lookback=")


def test_a_change_of_parameter_or_lookback_changes_the_keys_and_the_settings_key() -> None:
    base = options(models=["time_decay"]).lineup()
    other = options(models=[{"name": "time_decay", "params": {"half_life_days": 2}}]).lineup()
    longer = options(models=["time_decay"], lookback_days=60).lineup()
    assert len({base.settings_key, other.settings_key, longer.settings_key}) == 3
    assert base.keys != longer.keys


@pytest.mark.parametrize(
    ("models", "message"),
    [
        (["nope"], "unknown model 'nope'"),
        (["linear", "linear"], "configured twice"),
        ([{"name": "markov", "params": {"order": 9}}], "order must be 1 to 4"),
        ([], "at least one model"),
    ],
)
def test_bad_models_stop_the_service_at_start_saying_what_to_fix(
    models: list[object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        options(models=models)
