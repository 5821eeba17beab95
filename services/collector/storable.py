"""What no store downstream can hold, refused at the edge with the field to fix. Pure.

PostgreSQL ``text`` cannot hold U+0000, amounts are ``NUMERIC(18, 4)`` (less than 10^14 in
absolute value) and currencies ``CHAR(3)`` codes: an event that breaks one of these is accepted
by HTTP but stops a consumer when it reaches the database, so it is refused here instead.

Amounts are the properties the pipeline reads as money: ``revenue``, ``value`` and ``amount``
(the sessionizer's conversion revenue, in that order), Segment's ``total``, and ``cost`` of ad
events. Each must be a number or a decimal string, finite, within the column's range, and not
negative, except on a refund (Segment's e-commerce ``Order Refunded``), whose amounts may be
negative. ``currency`` must be an active ISO 4217 code (lower case is accepted and upper-cased).
The score of an ``NPS Submitted`` event must be a whole number from 0 to 10.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

from services.collector.currencies import MONEY_CODES, NOT_MONEY
from services.collector.integrations.ads import AD_EVENTS
from shared.errors import BadInput
from shared.events import TrackingEvent

MONEY_PROPERTIES = ("revenue", "value", "amount", "total")
AD_MONEY_PROPERTIES = ("cost",)
REFUND_EVENTS = frozenset({"Order Refunded"})
NPS_EVENT = "NPS Submitted"
# NUMERIC(18, 4): 14 digits before the decimal point.
MAX_AMOUNT = Decimal(10) ** 14
# What the JSON encoder writes for U+0000: a body without it holds no NUL anywhere.
ESCAPED_NUL = b"\\u0000"
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_ENCODER = msgspec.json.Encoder()


def _join(where: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{where}[{name}]"
    return f"{where}.{name}" if where else name


def find_nul(value: Any, where: str = "") -> str | None:
    """The path of the first string or object key holding U+0000, or None. Iterative, so
    nesting cannot overflow the stack; paths are only built on the way down."""
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return path or "body"
        elif isinstance(node, Mapping):
            for key, child in node.items():
                if isinstance(key, str) and "\x00" in key:
                    return _join(path, key.replace("\x00", "\\u0000"))
                stack.append((_join(path, key), child))
        elif isinstance(node, list | tuple):
            stack.extend((_join(path, index), child) for index, child in enumerate(node))
    return None


def refuse_nul(value: Any, *, where: str = "", encoded: bytes | None = None) -> None:
    """Raises BadInput naming the field that holds U+0000. ``encoded`` is ``value`` as JSON when
    the caller has it already (the request body): without an escaped NUL in it, no walk."""
    if ESCAPED_NUL not in (_ENCODER.encode(value) if encoded is None else encoded):
        return
    path = find_nul(value, where)
    if path is not None:
        raise BadInput(
            f"{path}: contains a NUL character (U+0000), which cannot be stored; remove it",
            field=path,
            code="nul_character",
        )


def _shown(value: Any) -> str:
    try:
        text = _ENCODER.encode(value).decode()
    except (TypeError, msgspec.EncodeError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _not_a_number(field: str, value: Any) -> BadInput:
    return BadInput(
        f'{field} must be a number or a decimal string such as "12.50"; got {_shown(value)}',
        field=field,
        code="invalid_amount",
    )


def amount_of(value: Any, *, field: str) -> Decimal:
    """``value`` as a finite Decimal, or BadInput naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _not_a_number(field, value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _not_a_number(field, value)
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL.fullmatch(text):
            raise _not_a_number(field, value)
        value = text
    return Decimal(value) if not isinstance(value, float) else Decimal(repr(value))


def check_amount(value: Any, *, field: str, refund: bool) -> None:
    number = amount_of(value, field=field)
    if abs(number) >= MAX_AMOUNT:
        raise BadInput(
            f"{field} is {_shown(value)}; amounts must be less than 10^14 in absolute value "
            "(what a NUMERIC(18,4) column holds)",
            field=field,
            code="invalid_amount",
        )
    if number < 0 and not refund:
        raise BadInput(
            f"{field} is negative ({_shown(value)}); only a refund may carry a negative "
            f"amount: send it as an {sorted(REFUND_EVENTS)[0]!r} event",
            field=field,
            code="invalid_amount",
        )


def currency_code(value: Any, *, field: str) -> str:
    """The ISO 4217 code ``value`` names (``eur`` → ``EUR``), or BadInput naming ``field``."""
    code = value.strip().upper() if isinstance(value, str) else None
    if code in NOT_MONEY:
        raise BadInput(
            f"{field} is {code}, which ISO 4217 keeps for no currency (XXX) or for tests (XTS); "
            'send the currency the amount is in, such as "USD" or "EUR"',
            field=field,
            code="invalid_currency",
        )
    if code not in MONEY_CODES:
        raise BadInput(
            f'{field} must be an ISO 4217 currency code such as "USD" or "EUR"; '
            f"got {_shown(value)}",
            field=field,
            code="invalid_currency",
        )
    return code


def _check_score(value: Any, *, field: str) -> None:
    number = None if isinstance(value, bool) else value
    if isinstance(number, str) and number.strip().isdigit():
        number = int(number.strip())
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if not (isinstance(number, int) and 0 <= number <= 10):
        raise BadInput(
            f"{field} must be a whole number from 0 to 10; got {_shown(value)}",
            field=field,
        )


def storable_properties(
    properties: Mapping[str, Any], *, event: str | None, where: str = "properties"
) -> Mapping[str, Any]:
    """``properties`` checked; returned with ``currency`` upper-cased when it was not. Field
    names are only built for an error: this runs for every event."""
    names = MONEY_PROPERTIES + (AD_MONEY_PROPERTIES if event in AD_EVENTS else ())
    for name in names:
        value = properties.get(name)
        if value is not None and value != "":  # else absent, as the consumers read it
            check_amount(value, field=_join(where, name), refund=event in REFUND_EVENTS)
    if event == NPS_EVENT and properties.get("score") not in (None, ""):
        _check_score(properties["score"], field=_join(where, "score"))
    currency = properties.get("currency")
    if currency is None or currency == "":  # absent: the consumer's default currency applies
        return properties
    if isinstance(currency, str) and currency in MONEY_CODES:
        return properties
    code = currency_code(currency, field=_join(where, "currency"))
    return properties if code == currency else {**properties, "currency": code}


def storable_message(raw: dict[str, Any], *, where: str = "", encoded: bytes | None) -> None:
    """Checks one Segment message in place (its currency is upper-cased), before validation."""
    refuse_nul(raw, where=where, encoded=encoded)
    properties = raw.get("properties")
    if properties and isinstance(properties, dict):
        event = raw.get("event")
        event = event if isinstance(event, str) else None
        checked = storable_properties(properties, event=event, where=_join(where, "properties"))
        if checked is not properties:
            raw["properties"] = checked


def storable_derived(event: TrackingEvent, *, where: str = "") -> None:
    """What enrichment decoded from URLs (``?utm_source=%00``) can hold U+0000 too."""
    c = event.campaign
    for text in (c.name, c.source, c.medium, c.term, c.content, c.id, *event.click_ids.values()):
        if text is not None and "\x00" in text:
            _decoded_nul(where)


def _decoded_nul(where: str) -> None:
    field = _join(where, "context.page.url")
    raise BadInput(
        f"{field}: a query parameter decodes to a NUL character (%00), which cannot be "
        "stored; remove it",
        field=field,
        code="nul_character",
    )


def storable_event(event: TrackingEvent) -> None:
    """An event built by the collector itself (webhooks, imports): every string and amount."""
    refuse_nul(event.model_dump(mode="json", exclude_none=True))
    storable_properties(event.properties, event=event.event)
