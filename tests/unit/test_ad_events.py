"""Server-side ad events: campaign, click id and cost, and the click id joining a later visit."""

from __future__ import annotations

from datetime import UTC, datetime

from services.collector.enrichment import enrich
from services.collector.segment import parse_message
from shared.events import EventType, TrackingEvent

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def enriched(raw: dict[str, object], call: EventType = "track") -> TrackingEvent:
    return enrich(
        parse_message(raw, call=call),
        source_id="ads",
        received_at=NOW,
        sent_at=None,
    )


def test_a_server_side_ad_click_carries_campaign_click_id_and_cost() -> None:
    click = enriched(
        {
            "anonymousId": "ads-sync",
            "event": "Ad Clicked",
            "properties": {
                "campaign": "brand-fr",
                "ad_group": "shoes",
                "creative": "banner-42",
                "network": "google",
                "click_id": "Cj0KCQ-abc",
                "cost": 0.42,
                "currency": "EUR",
            },
        }
    )
    assert (
        click.campaign.name,
        click.campaign.source,
        click.campaign.medium,
        click.campaign.content,
    ) == ("brand-fr", "google", "cpc", "banner-42")
    assert click.click_ids == {"gclid": "Cj0KCQ-abc"}
    assert click.channel == "paid_search"
    assert click.identities == {"click_gclid": "Cj0KCQ-abc"}
    assert (click.properties["cost"], click.properties["ad_group"]) == (0.42, "shoes")


def test_an_impression_is_display_and_names_its_click_id_type() -> None:
    impression = enriched(
        {
            "anonymousId": "x",
            "event": "Ad Impression",
            "properties": {
                "campaign": "retarget",
                "network": "criteo",
                "click_id": "f1",
                "click_id_type": "dclid",
            },
        }
    )
    assert (impression.campaign.medium, impression.channel) == ("cpm", "display")
    assert impression.identities == {"click_dclid": "f1"}


def test_the_landing_page_with_the_click_id_shares_the_click_identity() -> None:
    visit = enriched(
        {
            "anonymousId": "browser-1",
            "context": {"page": {"url": "https://shop.example/?gclid=Cj0KCQ-abc&gclsrc=aw.ds"}},
        },
        call="page",
    )
    assert visit.identities == {"click_gclid": "Cj0KCQ-abc"}  # gclsrc names no one
    assert visit.channel == "paid_search"


def test_other_events_are_untouched() -> None:
    order = enriched(
        {"anonymousId": "a", "event": "Order Completed", "properties": {"click_id": "zzz"}}
    )
    assert (order.click_ids, order.identities, order.campaign.is_empty()) == ({}, {}, True)
