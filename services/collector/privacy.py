"""What the collector keeps of a sender's address. Pure.

The address is anonymised by default (IPv4: last octet zeroed; IPv6: only the /48 network kept),
which still places a visit in a region and network; it is not kept at all when the event's
``context.consent`` says so (``{"ip": false}`` or ``{"granted": false}``).
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any


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
