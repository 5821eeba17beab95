"""Marketing channel grouping: ordered rules over campaign tags, click ids and the referrer.

The rules follow the spirit of GA4's default channel grouping (evaluated top-down, the first match
wins) with Boucle's own ``offline`` group. The site lists are Boucle's own, kept short and
readable; matching is on host-name labels, so ``google.fr`` and ``www.bing.com`` both count.
Pure code: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from shared.events import Campaign

SEARCH_ENGINES = frozenset(
    {
        "google",
        "bing",
        "yahoo",
        "duckduckgo",
        "baidu",
        "yandex",
        "ecosia",
        "qwant",
        "naver",
        "seznam",
        "startpage",
        "ask",
        "aol",
        "sogou",
        "so",
        "lilo",
        "kagi",
        "search.brave",
    }
)
SOCIAL_NETWORKS = frozenset(
    {
        "facebook",
        "fb",
        "instagram",
        "ig",
        "linkedin",
        "lnkd",
        "twitter",
        "t.co",
        "x",
        "tiktok",
        "pinterest",
        "reddit",
        "snapchat",
        "threads",
        "youtube",
        "mastodon",
        "bsky",
        "tumblr",
        "vk",
        "whatsapp",
        "telegram",
        "quora",
        "xing",
        "meta",
    }
)
# Webmail front ends: a click from one of these is an email visit, not search or social.
EMAIL_HOSTS = frozenset(
    {
        "mail.google.com",
        "outlook.live.com",
        "outlook.office.com",
        "outlook.office365.com",
        "mail.yahoo.com",
        "mail.proton.me",
        "mail.aol.com",
        "mail.yandex.ru",
        "webmail.free.fr",
        "mail.orange.fr",
        "mail.gmx.net",
        "mail.laposte.net",
        "email.t-online.de",
    }
)
EMAIL_TAGS = frozenset({"email", "e-mail", "e_mail", "e mail", "newsletter"})
PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
DISPLAY_MEDIUMS = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
SOCIAL_MEDIUMS = frozenset(
    {"social", "social-network", "social-media", "sm", "social network", "social media"}
)
OFFLINE_MEDIUMS = frozenset(
    {
        "offline",
        "store",
        "in-store",
        "call",
        "phone",
        "event",
        "print",
        "direct-mail",
        "direct_mail",
        "tv",
        "radio",
    }
)
SEARCH_CLICK_IDS = frozenset({"gclid", "gbraid", "wbraid", "gclsrc", "msclkid"})
SOCIAL_CLICK_IDS = frozenset({"ttclid", "li_fat_id", "twclid"})
DISPLAY_CLICK_IDS = frozenset({"dclid"})


@dataclass(frozen=True, slots=True)
class TrafficSignals:
    """What one event says about how the visitor arrived."""

    campaign: Campaign = field(default_factory=Campaign)
    click_ids: Mapping[str, str] = field(default_factory=dict)
    referrer_host: str | None = None
    offline: bool = False

    @property
    def source(self) -> str:
        return (self.campaign.source or "").strip().lower()

    @property
    def medium(self) -> str:
        return (self.campaign.medium or "").strip().lower()


def _labels(name: str) -> set[str]:
    """Every label of a host and every run of consecutive labels: a.b.c → a, b, c, a.b, b.c…"""
    parts = name.split(".")
    return {".".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}


def _is_one_of(name: str | None, sites: frozenset[str]) -> bool:
    return bool(name) and not _labels(name or "").isdisjoint(sites)


def _is_search(s: TrafficSignals) -> bool:
    return _is_one_of(s.source, SEARCH_ENGINES) or (
        _is_one_of(s.referrer_host, SEARCH_ENGINES) and not _is_email_referrer(s)
    )


def _is_social(s: TrafficSignals) -> bool:
    return _is_one_of(s.source, SOCIAL_NETWORKS) or _is_one_of(s.referrer_host, SOCIAL_NETWORKS)


def _is_email_referrer(s: TrafficSignals) -> bool:
    return s.referrer_host in EMAIL_HOSTS


def _is_paid(s: TrafficSignals) -> bool:
    return bool(PAID_MEDIUM.match(s.medium))


def _has_click_id(s: TrafficSignals, ids: frozenset[str]) -> bool:
    return not ids.isdisjoint(s.click_ids)


def _is_direct(s: TrafficSignals) -> bool:
    untagged = s.source in ("", "(direct)", "direct") and s.medium in ("", "(none)", "(not set)")
    return untagged and not s.click_ids and s.referrer_host is None and s.campaign.name is None


Rule = tuple[str, Callable[[TrafficSignals], bool]]

RULES: tuple[Rule, ...] = (
    ("offline", lambda s: s.offline or s.medium in OFFLINE_MEDIUMS),
    ("direct", _is_direct),
    (
        "paid_search",
        lambda s: _has_click_id(s, SEARCH_CLICK_IDS) or (_is_paid(s) and _is_search(s)),
    ),
    (
        "paid_social",
        lambda s: _has_click_id(s, SOCIAL_CLICK_IDS) or (_is_paid(s) and _is_social(s)),
    ),
    ("display", lambda s: s.medium in DISPLAY_MEDIUMS or _has_click_id(s, DISPLAY_CLICK_IDS)),
    ("paid_other", _is_paid),
    (
        "email",
        lambda s: (
            s.source in EMAIL_TAGS
            or s.medium in EMAIL_TAGS
            or _is_email_referrer(s)
            or "mc_cid" in s.click_ids
        ),
    ),
    ("organic_social", lambda s: s.medium in SOCIAL_MEDIUMS or _is_social(s)),
    ("organic_search", lambda s: s.medium == "organic" or _is_search(s)),
    ("affiliates", lambda s: s.medium in ("affiliate", "affiliates")),
    ("referral", lambda s: s.medium in ("referral", "app", "link") or s.referrer_host is not None),
)

CHANNELS = (*(name for name, _ in RULES), "unassigned")


def classify(signals: TrafficSignals) -> str:
    """The first channel whose rule matches; ``unassigned`` for tagged traffic no rule knows."""
    for name, matches in RULES:
        if matches(signals):
            return name
    return "unassigned"
