"""Server-side ad events and the click ids that tie a later visit to the ad click. Pure.

An ad platform's impressions and clicks arrive as Segment ``track`` calls named ``Ad Impression``
or ``Ad Clicked`` with properties ``campaign``, ``ad_group``, ``creative``, ``network`` (the ad
platform), ``click_id`` and ``click_id_type`` (``gclid`` by default), ``cost`` and
``currency``. The click id is unique to one click, so it also becomes an identity
(``click_<type>``): the landing page that carries ``?gclid=…`` then joins the same person as
the server-side click, whichever arrives first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.events import Campaign

AD_EVENTS = {"Ad Impression": "cpm", "Ad Clicked": "cpc"}
# Ids minted per click; the others (gclsrc, gad_source, igshid, mc_cid) name a source, a share
# or a campaign, never one person.
PER_CLICK_IDS = frozenset(
    {"gclid", "gbraid", "wbraid", "dclid", "msclkid", "fbclid", "ttclid", "twclid", "li_fat_id"}
)


def click_identities(click_ids: Mapping[str, str]) -> dict[str, str]:
    return {f"click_{name}": value for name, value in click_ids.items() if name in PER_CLICK_IDS}


def _text(properties: Mapping[str, Any], name: str) -> str | None:
    value = properties.get(name)
    return str(value)[:512] if value not in (None, "") else None


def with_ad_signals(
    event_type: str,
    event: str | None,
    properties: Mapping[str, Any],
    campaign: Campaign,
    click_ids: dict[str, str],
) -> tuple[Campaign, dict[str, str]]:
    """Campaign and click ids of an ad event from its properties, unless tags already gave them."""
    if event_type != "track" or event not in AD_EVENTS:
        return campaign, click_ids
    if campaign.is_empty():
        campaign = Campaign(
            name=_text(properties, "campaign"),
            source=_text(properties, "network"),
            medium=AD_EVENTS[event],
            content=_text(properties, "creative"),
            id=_text(properties, "campaign_id"),
        )
    click_id = _text(properties, "click_id")
    if click_id:
        kind = (_text(properties, "click_id_type") or "gclid").lower()
        click_ids = {kind: click_id, **click_ids}
    return campaign, click_ids
