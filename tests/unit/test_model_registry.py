from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.attribution.models import (
    FITTED_MODELS,
    PATH_MODELS,
    apportion,
    fitted_model,
    model_key,
    path_model,
    restatement_key,
)
from shared.errors import BadInput


def test_every_model_has_a_stable_versioned_key_naming_its_parameters() -> None:
    assert model_key(path_model("linear")) == "linear.v1"
    assert model_key(path_model("time_decay")) == "time_decay.v1(half_life_days=7.0)"
    assert model_key(path_model("position_based")) == "position_based.v1(first=0.4,last=0.4)"
    assert model_key(path_model("last_non_direct")) == "last_non_direct.v1(direct=direct)"
    assert model_key(fitted_model("markov")) == "markov.v1(order=1)"
    assert model_key(fitted_model("shapley")) == "shapley.v1(exact_limit=15,orderings=1000,seed=0)"


def test_a_change_of_parameter_or_lookback_changes_the_key() -> None:
    default, longer = path_model("time_decay"), path_model("time_decay", {"half_life_days": 14.0})
    assert model_key(default) != model_key(longer)
    assert model_key(fitted_model("markov", {"order": 2})) == "markov.v1(order=2)"
    # A whole number where a float goes is the same parameter, hence the same key.
    assert model_key(path_model("time_decay", {"half_life_days": 7})) == model_key(default)
    week, month = timedelta(days=7), timedelta(days=30)
    assert restatement_key(default, lookback=week) != restatement_key(default, lookback=month)
    assert restatement_key(default, lookback=week).startswith(model_key(default))


def test_the_registry_knows_every_model_the_issue_names() -> None:
    assert set(PATH_MODELS) == {
        "first_touch",
        "last_touch",
        "last_non_direct",
        "linear",
        "time_decay",
        "position_based",
        "w_shaped",
        "full_path",
    }
    assert set(FITTED_MODELS) == {"markov", "shapley"}


def test_unknown_models_and_parameters_are_refused_with_what_exists() -> None:
    with pytest.raises(BadInput, match=r"unknown model 'u_shaped'.*first_touch"):
        path_model("u_shaped")
    with pytest.raises(BadInput, match=r"time_decay has no parameter 'half_life'.*half_life_days"):
        path_model("time_decay", {"half_life": 3.0})
    with pytest.raises(BadInput, match="half_life_days must be a positive"):
        path_model("time_decay", {"half_life_days": 0.0})
    with pytest.raises(BadInput, match="order must be 1 to 4"):
        fitted_model("markov", {"order": 0})
    with pytest.raises(BadInput, match="bad parameter"):
        path_model("time_decay", {"half_life_days": "seven"})


def test_apportion_gives_a_zero_weight_tail_nothing_not_even_a_rounding_remainder() -> None:
    portions = apportion(Decimal("100.00"), [1 / 3, 1 / 3, 1 / 3, 0.0, 0.0])
    assert [p.index for p in portions] == [0, 1, 2]
    assert sum(p.revenue for p in portions) == Decimal("100.00")
    assert sum(p.weight for p in portions) == Decimal(1)


def test_apportion_never_hands_a_touch_a_negative_cent_on_tiny_revenue() -> None:
    # Rounding each of ten shares of 0.00054 would give 0.0001 each, 0.0009 in all.
    portions = apportion(Decimal("0.00054"), [0.1] * 10)
    assert sum(p.revenue for p in portions) == Decimal("0.00054")
    assert min(p.revenue for p in portions) >= 0
