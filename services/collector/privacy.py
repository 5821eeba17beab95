"""What the collector keeps of personal data, and what consent allows downstream. Pure.

The address is anonymised by default (IPv4: last octet zeroed; IPv6: only the /48 network kept),
which still places a visit in a region and network; it is not kept at all when the event's
``context.consent`` says so (``{"ip": false}`` or ``{"granted": false}``).

Contact details never travel in Kafka: an email address or phone number in ``traits``,
``context.traits`` or ``properties`` becomes a hashed identity (shared/identity.py), which is all
the pipeline needs to recognise the person, and the clear value is dropped.

Consent, in Segment's consent object (``context.consent.categoryPreferences``, one boolean per
category id): an event that carries it without granting any of the tracking categories
(Analytics, Advertising, Marketing by default) is published with ``trackingConsent: false``, and
the sessionizer only counts it. Without a consent object nothing is enforced, as in Segment.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Collection, Mapping
from typing import Any

from shared.identity import PHONE_FIELDS


# Parsing addresses was a fifth of the enrichment's time, and few peers send most events (a batch
# comes from one), so answers are remembered; bounded, as addresses are many.
@functools.lru_cache(maxsize=8192)
def anonymize_ip(address: str | None) -> str | None:
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def consents_to_ip(context: dict[str, Any]) -> bool:
    consent = context.get("consent")
    if consent is False:
        return False
    if isinstance(consent, dict):
        return consent.get("ip") is not False and consent.get("granted") is not False
    return True


def kept_ip(context: dict[str, Any], peer: str | None) -> str | None:
    """``context.ip`` (server-side senders forward the user's) else the peer, anonymised."""
    if not consents_to_ip(context):
        return None
    given = context.get("ip")
    return anonymize_ip(given if isinstance(given, str) else peer)


# Segment's category ids for consent to analytics and marketing; any one of them allows journeys.
TRACKING_CATEGORIES = ("Analytics", "Advertising", "Marketing")
CONTACT_FIELDS = frozenset({"email", *PHONE_FIELDS})


def without_contact(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without clear email addresses and phone numbers."""
    return {key: value for key, value in values.items() if key not in CONTACT_FIELDS}


def tracking_consent(context: Mapping[str, Any], categories: Collection[str]) -> bool:
    """False when the event's consent object grants none of the tracking ``categories``."""
    consent = context.get("consent")
    preferences = consent.get("categoryPreferences") if isinstance(consent, dict) else None
    if not isinstance(preferences, dict) or not preferences:
        return True
    return any(preferences.get(category) is True for category in categories)
