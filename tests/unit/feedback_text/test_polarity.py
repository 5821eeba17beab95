"""The neutral band, confidence and the strong-intent override."""

from __future__ import annotations

from itertools import pairwise

import pytest

from services.feedback.text.polarity import NeutralBand, Override, score_of
from services.feedback.text.verdict import Intent

BAND = NeutralBand(-0.1, 0.1)


def test_scores_inside_the_band_are_neutral_and_its_edges_belong_to_the_sides() -> None:
    assert [BAND.label(s) for s in (-0.5, -0.1, -0.09, 0.0, 0.09, 0.1, 0.5)] == [
        "negative",
        "negative",
        "neutral",
        "neutral",
        "neutral",
        "positive",
        "positive",
    ]


def test_a_small_move_of_the_score_never_flips_negative_to_positive() -> None:
    sweep = [round(-1 + i / 500, 4) for i in range(1001)]
    labels = [BAND.label(s) for s in sweep]
    changes = [(a, b) for a, b in pairwise(labels) if a != b]
    assert changes == [("negative", "neutral"), ("neutral", "positive")]
    for score in sweep:
        moved = {BAND.label(score + d) for d in (-0.05, 0.0, 0.05)}
        assert not {"negative", "positive"} <= moved


def test_confidence_is_zero_on_the_edges_and_one_at_the_extremes() -> None:
    assert BAND.confidence(-0.1) == 0.0
    assert BAND.confidence(0.1) == 0.0
    assert BAND.confidence(-1.0) == 1.0
    assert BAND.confidence(1.0) == 1.0
    assert BAND.confidence(0.0) == 1.0
    assert 0.0 < BAND.confidence(-0.55) < 1.0


@pytest.mark.parametrize(("low", "high"), [(0.1, 0.2), (-0.2, -0.1), (-1.0, 0.1)])
def test_a_band_not_around_zero_is_refused(low: float, high: float) -> None:
    with pytest.raises(ValueError, match="neutral band"):
        NeutralBand(low, high)


def test_the_override_applies_to_strong_intents_only() -> None:
    override = Override()
    churn: tuple[Intent, ...] = ("churn",)
    contact: tuple[Intent, ...] = ("contact_request",)
    assert override.applies(churn)
    assert override.applies(("contact_request", "safety"))
    assert not override.applies(contact)
    assert not override.applies(())


def test_the_score_is_positive_minus_negative_probability() -> None:
    assert score_of(0.7, 0.1) == pytest.approx(-0.6)
    assert score_of(0.0, 1.0) == 1.0
