"""Path models against their definitions (notes on attribution models), each expected weight
computed here from the formula, not by the production code."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.attribution.models import (
    FirstTouch,
    FullPath,
    Journey,
    LastNonDirect,
    LastTouch,
    Linear,
    PositionBased,
    TimeDecay,
    Touch,
    WShaped,
    journey_of,
)
from shared.errors import BadInput
from tests.factories import T0


def timed(*days_before: float, conversion_days_after: float = 0.0, **stages: float) -> Journey:
    """Touches ``days_before`` the reference time; stages given in days before it as well."""
    touches = tuple(
        Touch(channel=f"c{i}", at=T0 - timedelta(days=days)) for i, days in enumerate(days_before)
    )
    stage_times = {name: T0 - timedelta(days=days) for name, days in stages.items()}
    return Journey(
        touches=touches, converted_at=T0 + timedelta(days=conversion_days_after), **stage_times
    )


def close(actual: tuple[float, ...], expected: list[float]) -> None:
    assert actual == pytest.approx(expected, abs=1e-12)


def test_first_and_last_touch_give_everything_to_one_end() -> None:
    journey = journey_of(["a", "b", "c"])
    close(FirstTouch().weigh(journey), [1, 0, 0])
    close(LastTouch().weigh(journey), [0, 0, 1])


def test_last_non_direct_skips_direct_touches_when_another_exists() -> None:
    model = LastNonDirect()
    close(model.weigh(journey_of(["email", "paid_search", "direct", "direct"])), [0, 1, 0, 0])
    close(model.weigh(journey_of(["direct", "direct"])), [0, 1])
    # GA exports write "Direct": the comparison ignores case.
    close(model.weigh(journey_of(["Email", "Direct"])), [1, 0])
    close(LastNonDirect(direct=("(none)",)).weigh(journey_of(["a", "(none)"])), [1, 0])


def test_linear_counts_every_touch_so_a_repeated_channel_gets_its_share_per_touch() -> None:
    close(Linear().weigh(journey_of(["a", "b", "a", "c"])), [0.25] * 4)


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_position_based_follows_the_40_20_40_case_formula(count: int) -> None:
    # Matomo's definition: total=1 → 1; total=2 → 0.5; ends 0.4; middle 0.2/(total-2).
    expected = [
        1.0
        if count == 1
        else 0.5
        if count == 2
        else 0.4
        if i in (0, count - 1)
        else 0.2 / (count - 2)
        for i in range(count)
    ]
    close(PositionBased().weigh(journey_of(["x"] * count)), expected)


def test_position_based_shares_are_parameters() -> None:
    close(PositionBased(first=0.5, last=0.3).weigh(journey_of("abcd")), [0.5, 0.1, 0.1, 0.3])
    close(PositionBased(first=0.3, last=0.1).weigh(journey_of("ab")), [0.75, 0.25])
    with pytest.raises(BadInput, match="first \\+ last"):
        PositionBased(first=0.7, last=0.4)


def test_time_decay_matches_the_one_hour_half_life_fixture() -> None:
    # Touches 2 h, 1 h and 0 h before the conversion, half-life 1 h: 0.25, 0.5, 1 over 1.75.
    hour = 1 / 24
    journey = timed(2 * hour, hour, 0)
    close(TimeDecay(half_life_days=hour).weigh(journey), [0.25 / 1.75, 0.5 / 1.75, 1 / 1.75])


def test_time_decay_halves_a_touch_one_half_life_older() -> None:
    # GA: "a click 8 days before a conversion gets half as much credit as a click 1 day before".
    weights = TimeDecay().weigh(timed(8, 1))
    assert weights[0] == pytest.approx(weights[1] / 2)


def test_time_decay_measures_from_the_conversion_not_from_the_last_touch() -> None:
    # Both touches age together; only their gap matters, whatever the conversion's delay.
    soon, late = (
        TimeDecay().weigh(timed(3, 0)),
        TimeDecay().weigh(timed(3, 0, conversion_days_after=30)),
    )
    close(soon, list(late))


def test_time_decay_keeps_its_weights_over_very_long_ages() -> None:
    weights = TimeDecay(half_life_days=0.01).weigh(timed(3650, 3649.99))
    # 2^-365000 underflows a float; measured from the youngest touch it does not.
    assert weights == pytest.approx([1 / 3, 2 / 3], abs=1e-9)


def test_time_decay_refuses_touches_without_times() -> None:
    with pytest.raises(BadInput, match="time of every touch"):
        TimeDecay().weigh(Journey(touches=(Touch("a"),), converted_at=T0))


def test_w_shaped_gives_each_milestone_30_and_spreads_10_before_the_opportunity() -> None:
    # FT at 10 days, LC touch at 6 (lead at 5), OC touch at 2 (opportunity at 1.5), one touch after.
    journey = timed(10, 8, 6, 4, 2, 1, lead_created=5, opportunity_created=1.5)
    close(WShaped().weigh(journey), [0.3, 0.05, 0.3, 0.05, 0.3, 0.0])


def test_w_shaped_adds_up_milestones_that_fall_on_one_touch() -> None:
    journey = timed(10, 6, 2, lead_created=9, opportunity_created=1)
    # FT = LC (the first touch is the last before the lead), OC on the last touch.
    close(WShaped().weigh(journey), [0.6, 0.1, 0.3])


def test_w_shaped_renormalises_the_milestones_when_no_touch_lies_between_them() -> None:
    journey = timed(10, 6, 2, lead_created=5, opportunity_created=1)
    close(WShaped().weigh(journey), [1 / 3, 1 / 3, 1 / 3])


def test_w_shaped_drops_a_missing_stage_and_renormalises() -> None:
    # No opportunity: FT 0.3, LC 0.3, and 0.1 over the other two touches, over 0.7.
    journey = timed(10, 6, 4, 2, lead_created=5)
    close(WShaped().weigh(journey), [0.3 / 0.7, 0.3 / 0.7, 0.05 / 0.7, 0.05 / 0.7])
    # A lead created before every touch has no LC touch: FT and the rest alone.
    close(WShaped().weigh(timed(4, 2, lead_created=5)), [0.3 / 0.4, 0.1 / 0.4])


def test_w_shaped_without_stage_times_needs_no_touch_times() -> None:
    close(WShaped().weigh(journey_of("abc")), [0.75, 0.125, 0.125])


def test_full_path_gives_four_milestones_22_5_and_spreads_10_equally() -> None:
    # Marketo's example: with five intermediate touches each receives 2 %.
    days = [20, 19, 18, 15, 14, 13, 10, 5, 3]
    journey = timed(*days, lead_created=14.5, opportunity_created=9, deal_closed=2)
    close(FullPath().weigh(journey), [0.225, 0.02, 0.02, 0.225, 0.02, 0.02, 0.225, 0.02, 0.225])


def test_full_path_ignores_touches_after_the_deal_closed() -> None:
    # Four distinct milestones and nothing between them: a quarter each, none after CW.
    journey = timed(10, 8, 6, 4, 1, lead_created=7.5, opportunity_created=5.5, deal_closed=3.5)
    close(FullPath().weigh(journey), [0.25, 0.25, 0.25, 0.25, 0.0])


def test_milestone_models_refuse_a_share_that_leaves_less_than_nothing() -> None:
    with pytest.raises(BadInput, match="milestone_share"):
        WShaped(milestone_share=0.4)
    with pytest.raises(BadInput, match="milestone_share"):
        FullPath(milestone_share=0.3)
