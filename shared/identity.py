"""Identifiers of a person beyond Segment's userId and anonymousId.

Events carry them in ``TrackingEvent.identities`` as ``{kind: value}``; the sessionizer's
identity graph treats ``f"{kind}:{value}"`` as one identifier. Kinds in use:

* ``email``: SHA-256 hex of the trimmed, lower-cased address (never the address itself);
* ``<crm>_contact``: a CRM's contact id, e.g. ``hubspot_contact``, ``salesforce_contact``,
  ``pipedrive_person``; ``salesforce_lead`` for a Salesforce lead not yet converted;
* ``click_<param>``: an ad click id minted per click (``click_gclid``, ``click_msclkid``…), so
  a server-side ad click and the landing visit carrying it join one person.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

EMAIL = "email"
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email_hash(address: str) -> str | None:
    """SHA-256 of the normalised address; None when it does not look like an address."""
    normalised = address.strip().lower()
    if not _EMAIL_SHAPE.match(normalised):
        return None
    return hashlib.sha256(normalised.encode()).hexdigest()


def identities_from_traits(traits: Mapping[str, Any]) -> dict[str, str]:
    """The identities a Segment ``traits`` object gives away (its ``email``)."""
    email = traits.get("email")
    hashed = email_hash(email) if isinstance(email, str) else None
    return {EMAIL: hashed} if hashed else {}
