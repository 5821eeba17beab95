import pytest

from services.collector.channels import CHANNELS, TrafficSignals, classify
from shared.events import Campaign


def signals(
    source: str | None = None,
    medium: str | None = None,
    *,
    referrer: str | None = None,
    click_ids: dict[str, str] | None = None,
    offline: bool = False,
) -> TrafficSignals:
    return TrafficSignals(
        campaign=Campaign(source=source, medium=medium),
        click_ids=click_ids or {},
        referrer_host=referrer,
        offline=offline,
    )


@pytest.mark.parametrize(
    ("traffic", "expected"),
    [
        (signals(), "direct"),
        (signals("(direct)", "(none)"), "direct"),
        (signals("google", "cpc"), "paid_search"),
        (signals(click_ids={"gclid": "x"}), "paid_search"),
        (signals(click_ids={"msclkid": "x"}, referrer="bing.com"), "paid_search"),
        (signals("facebook", "paid_social"), "paid_social"),
        (signals("linkedin", "cpc"), "paid_social"),
        (signals(click_ids={"ttclid": "x"}), "paid_social"),
        (signals("criteo", "display"), "display"),
        (signals(click_ids={"dclid": "x"}), "display"),
        (signals("partner", "cpc"), "paid_other"),
        (signals(referrer="google.fr"), "organic_search"),
        (signals("duckduckgo", "organic"), "organic_search"),
        (signals(referrer="m.facebook.com"), "organic_social"),
        (signals("mastodon", "social"), "organic_social"),
        (signals("newsletter", "email"), "email"),
        (signals(referrer="mail.google.com"), "email"),
        (signals("awin", "affiliate"), "affiliates"),
        (signals(referrer="blog.example.org"), "referral"),
        (signals("store", "offline"), "offline"),
        (signals(offline=True), "offline"),
        (signals("mystery", "weird"), "unassigned"),
    ],
)
def test_first_matching_rule_decides_the_channel(traffic: TrafficSignals, expected: str) -> None:
    assert classify(traffic) == expected


def test_webmail_referrer_is_email_not_search_even_on_a_search_engine_domain() -> None:
    assert classify(signals(referrer="mail.google.com")) == "email"


def test_tags_are_compared_case_insensitively() -> None:
    assert classify(signals("Google", "CPC")) == "paid_search"


def test_every_channel_the_rules_return_is_declared() -> None:
    assert {"direct", "paid_search", "email", "offline", "unassigned"} <= set(CHANNELS)
