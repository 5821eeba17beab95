from datetime import timedelta
from decimal import Decimal

import pytest

from services.attribution.crediting import UNATTRIBUTED, credit_id, credits_for, restatement
from services.attribution.models import MODELS, TouchpointView, eligible, split
from shared.events import Conversion
from tests.factories import T0


def touch(tid: str, days_before: float, channel: str = "email") -> TouchpointView:
    return TouchpointView(
        touchpoint_id=tid,
        occurred_at=T0 - timedelta(days=days_before),
        channel=channel,
        source=None,
        campaign=f"c-{tid}",
    )


def conversion(revenue: str) -> Conversion:
    return Conversion(
        conversion_id="conv",
        person_id="p",
        occurred_at=T0,
        name="Order Completed",
        revenue=Decimal(revenue),
        currency="EUR",
    )


JOURNEY = [touch("a", 10), touch("b", 5, "paid_search"), touch("c", 1, "organic_search")]


def test_last_touch_gives_everything_to_the_latest_touchpoint() -> None:
    shares = split(Decimal(100), JOURNEY, MODELS["last_touch"])
    assert [(s.touchpoint and s.touchpoint.touchpoint_id, s.revenue) for s in shares] == [
        ("c", Decimal(100))
    ]


def test_linear_splits_evenly_and_the_parts_add_up_exactly() -> None:
    shares = split(Decimal(100), JOURNEY, MODELS["linear"])
    assert [s.revenue for s in shares] == [
        Decimal("33.3333"),
        Decimal("33.3333"),
        Decimal("33.3334"),
    ]
    assert sum(s.revenue for s in shares) == Decimal(100)
    assert sum(s.weight for s in shares) == Decimal(1)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_model_distributes_the_whole_revenue(model: str) -> None:
    shares = split(Decimal("99.99"), JOURNEY, MODELS[model])
    assert sum(s.revenue for s in shares) == Decimal("99.99")
    assert sum(s.weight for s in shares) == Decimal(1)


def test_lookback_excludes_older_and_later_touchpoints() -> None:
    later = TouchpointView(
        touchpoint_id="z",
        occurred_at=T0 + timedelta(hours=1),
        channel="email",
        source=None,
        campaign=None,
    )
    window = eligible(
        [*JOURNEY, touch("old", 40), later], converted_at=T0, lookback=timedelta(days=30)
    )
    assert [tp.touchpoint_id for tp in window] == ["a", "b", "c"]


def test_conversion_without_touchpoints_stays_unattributed() -> None:
    credits = credits_for(conversion("50"), [], model="linear", lookback=timedelta(days=30))
    assert [(c.channel, c.touchpoint_id, c.revenue) for c in credits] == [
        (UNATTRIBUTED, None, Decimal(50))
    ]


def test_credits_carry_the_touchpoint_channel_and_campaign() -> None:
    credits = credits_for(
        conversion("100"), JOURNEY, model="last_touch", lookback=timedelta(days=30)
    )
    assert [(c.channel, c.campaign, c.revenue, c.currency) for c in credits] == [
        ("organic_search", "c-c", Decimal(100), "EUR")
    ]


def test_a_restatement_sends_fresh_credits_and_retracts_the_ones_no_longer_given() -> None:
    before = credits_for(
        conversion("100"), JOURNEY[:2], model="last_touch", lookback=timedelta(days=30)
    )
    after = credits_for(conversion("100"), JOURNEY, model="last_touch", lookback=timedelta(days=30))
    emitted = restatement({credit_id(c): c for c in before}, after)
    assert emitted is not None
    assert [(c.touchpoint_id, c.revenue, c.retracted) for c in emitted] == [
        ("c", Decimal(100), False),
        ("b", Decimal(0), True),
    ]


def test_nothing_is_restated_when_the_credits_did_not_change() -> None:
    credits = credits_for(conversion("100"), JOURNEY, model="linear", lookback=timedelta(days=30))
    assert restatement({credit_id(c): c for c in credits}, credits) is None
