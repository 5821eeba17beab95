"""Campaign parameters, click ids and referrer of an event. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from shared.events import Campaign

# utm_* query parameter → Segment's context.campaign field (analytics.js renames utm_campaign).
UTM_FIELDS = {
    "utm_campaign": "name",
    "utm_source": "source",
    "utm_medium": "medium",
    "utm_term": "term",
    "utm_content": "content",
    "utm_id": "id",
}

# Ad-platform click identifiers worth keeping: they tie a landing to a paid click even when
# the UTM tags were stripped, and some of them decide the channel on their own.
CLICK_ID_PARAMS = (
    "gclid",
    "gclsrc",
    "gad_source",
    "dclid",
    "gbraid",
    "wbraid",  # Google Ads / DV360
    "msclkid",  # Microsoft Advertising
    "fbclid",  # Meta (added to organic and paid links alike)
    "ttclid",  # TikTok Ads
    "li_fat_id",  # LinkedIn Ads
    "twclid",  # X Ads
    "igshid",  # Instagram shares
    "mc_cid",  # Mailchimp campaigns
)
MAX_PARAM_LENGTH = 512


def query_params(url: str | None) -> dict[str, str]:
    """The first value of each query parameter of ``url``; empty when there is no URL."""
    if not url:
        return {}
    params: dict[str, str] = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
        params.setdefault(name.lower(), value[:MAX_PARAM_LENGTH])
    return params


def campaign_from(
    context_campaign: Mapping[str, Any] | None, params: Mapping[str, str]
) -> Campaign:
    """Segment's ``context.campaign`` first, completed by the utm_* parameters of the page URL."""
    given = {
        k: str(v)[:MAX_PARAM_LENGTH]
        for k, v in (context_campaign or {}).items()
        if k in UTM_FIELDS.values() and v not in (None, "")
    }
    # Some senders pass raw utm_* names inside context.campaign; accept them too.
    for raw, field in UTM_FIELDS.items():
        value = (context_campaign or {}).get(raw)
        if value not in (None, "") and field not in given:
            given[field] = str(value)[:MAX_PARAM_LENGTH]
    for raw, field in UTM_FIELDS.items():
        if field not in given and params.get(raw):
            given[field] = params[raw]
    return Campaign(**given)


def click_ids_from(params: Mapping[str, Any]) -> dict[str, str]:
    """Known click ids only, as short strings (values may come from a client's JSON)."""
    return {
        name: str(params[name])[:MAX_PARAM_LENGTH]
        for name in CLICK_ID_PARAMS
        if isinstance(params.get(name), str | int) and params.get(name) != ""
    }


def host_of(url: str | None) -> str | None:
    """Lower-case host name of ``url`` without a leading ``www.``; None when absent or relative."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def external_referrer(referrer_url: str | None, page_url: str | None) -> str | None:
    """The referrer's host, unless the visitor came from the same site (an internal hop)."""
    referrer = host_of(referrer_url)
    if referrer is None or referrer == host_of(page_url):
        return None
    return referrer
