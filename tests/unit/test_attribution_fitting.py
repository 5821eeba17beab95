"""Which conversions a new fit restates: per channel set, past the tolerance."""

from __future__ import annotations

from services.attribution.fitting import channel_shares, counts_from, fit_id_of, moved
from services.attribution.lines import CHANNEL_SET_SEPARATOR
from services.attribution.models import ChannelFit, Tally


def fit(**scores: float) -> ChannelFit:
    return ChannelFit(scores=scores, value_scores={}, conversions=1.0, value=0.0)


SET = CHANNEL_SET_SEPARATOR.join(["email", "search"])


def test_a_channels_share_is_its_positive_score_over_those_of_the_paths_channels() -> None:
    assert channel_shares(fit(email=1.0, search=3.0, display=6.0), ["email", "search"]) == {
        "email": 0.25,
        "search": 0.75,
    }
    assert channel_shares(fit(email=-1.0, search=0.0), ["email", "search"]) is None


def test_a_group_moves_only_when_a_share_moves_past_the_tolerance() -> None:
    before, after = fit(email=1.0, search=1.0), fit(email=1.0, search=1.01)
    assert not moved(before, after, SET, tolerance=0.01)
    assert moved(before, fit(email=1.0, search=2.0), SET, tolerance=0.01)


def test_channels_outside_the_set_do_not_move_it() -> None:
    assert not moved(fit(email=1, search=1, tv=1), fit(email=2, search=2, tv=50), SET, tolerance=0)


def test_going_from_linear_to_scored_moves_a_group_and_linear_to_linear_does_not() -> None:
    assert moved(None, fit(email=1.0, search=2.0), SET, tolerance=0.5)
    assert not moved(None, fit(display=1.0), SET, tolerance=0.0)
    assert not moved(fit(), fit(), "", tolerance=0.0)


def test_stored_counts_read_back_as_the_models_keys() -> None:
    rows = [(CHANNEL_SET_SEPARATOR.join(["(start)", "email"]), 2, 1), ("email", 0, 0)]
    assert counts_from(rows) == {("(start)", "email"): Tally(conversions=2.0, nulls=1.0)}


def test_the_same_scores_make_the_same_fit_id() -> None:
    assert fit_id_of("k", fit(a=1.0)) == fit_id_of("k", fit(a=1.0)) != fit_id_of("k", fit(a=2.0))
