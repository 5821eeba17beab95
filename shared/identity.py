"""Identifiers of a person beyond Segment's userId and anonymousId.

Events carry them in ``TrackingEvent.identities`` as ``{kind: value}``; the sessionizer's
identity graph treats ``f"{kind}:{value}"`` as one identifier. Kinds in use:

* ``email``: SHA-256 hex of the trimmed, lower-cased address (never the address itself);
* ``phone``: SHA-256 hex of the number's digits, with its leading ``+`` when it has one (never
  the number itself; ``+33 6 12…`` and ``+33612…`` are one identity, ``06 12…`` another);
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


PHONE = "phone"
# Where Segment's traits and common forms put a phone number.
PHONE_FIELDS = ("phone", "mobile", "phoneNumber", "phone_number")


def phone_hash(number: str) -> str | None:
    """SHA-256 of the number's digits (``+`` kept); None when it is too short to be one."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) < 6:
        return None
    prefix = "+" if number.strip().startswith(("+", "00")) else ""
    digits = digits[2:] if number.strip().startswith("00") else digits
    return hashlib.sha256(f"{prefix}{digits}".encode()).hexdigest()


def identities_from_traits(traits: Mapping[str, Any]) -> dict[str, str]:
    """The identities a Segment ``traits`` object gives away (its email and phone)."""
    found: dict[str, str] = {}
    email = traits.get("email")
    hashed = email_hash(email) if isinstance(email, str) else None
    if hashed:
        found[EMAIL] = hashed
    for name in PHONE_FIELDS:
        number = traits.get(name)
        phoned = phone_hash(number) if isinstance(number, str) else None
        if phoned:
            found[PHONE] = phoned
            break
    return found
