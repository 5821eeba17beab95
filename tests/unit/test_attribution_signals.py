"""The raw events the attribution takes: ad costs and lost deals, found before parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.attribution.signals import AdCost, DealLoss, raw_decoder
from shared.errors import BadInput, BadRecord
from tests.attribution_fixtures import ad_click, at, deal_lost, raw_event

DECODE = raw_decoder(
    ad_events=("Ad Impression", "Ad Clicked"), lost_events=("Deal Lost",), default_currency="USD"
)


def test_an_ad_click_becomes_its_cost_on_its_day_and_campaign() -> None:
    signal = DECODE(ad_click("m1", 2, campaign="spring", cost="0.42", currency="eur").to_bytes())
    assert signal == AdCost(
        message_id="m1",
        day=at(2).date(),
        channel="paid_search",
        source="google",
        medium="cpc",
        campaign="spring",
        currency="EUR",
        cost=Decimal("0.4200"),
        impressions=0,
        clicks=1,
    )


def test_an_impression_counts_its_impressions_and_takes_the_default_currency() -> None:
    event = raw_event("m2", "Ad Impression", 0, cost=3, impressions=1000)
    signal = DECODE(event.to_bytes())
    assert isinstance(signal, AdCost)
    assert (signal.impressions, signal.clicks, signal.currency) == (1000, 0, "USD")


def test_a_lost_deal_names_its_deal_like_the_sessionizer_names_the_won_one() -> None:
    assert DECODE(deal_lost("m3", "hubspot:42", 5).to_bytes()) == DealLoss("hubspot:42", at(5))


def test_other_events_are_passed_over_without_parsing() -> None:
    assert DECODE(raw_event("m4", "Order Completed", 0, revenue=3).to_bytes()) is None
    assert DECODE(b"not even json, and no ad event named in it") is None


@pytest.mark.parametrize("cost", ["abc", -1, True])
def test_an_ad_event_with_a_cost_that_is_no_amount_is_refused_naming_cost(cost: object) -> None:
    event = raw_event("m5", "Ad Clicked", 0, cost=cost)
    with pytest.raises(BadInput, match="cost"):
        DECODE(event.to_bytes())


def test_a_record_that_names_an_ad_event_but_is_not_an_event_is_a_bad_record() -> None:
    with pytest.raises(BadRecord):
        DECODE(b'{"event": "Ad Clicked"}')
