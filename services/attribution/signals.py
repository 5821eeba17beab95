"""What the attribution takes from the raw events topic: ad costs and lost deals. Pure.

Most raw events are neither, so the decoder looks for the few event names in the record's bytes
before it parses anything (a substring test in C); only a hit is parsed and checked exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from services.attribution.lines import utc_day
from shared.deals import deal_key
from shared.errors import BadInput, BadRecord
from shared.events import TrackingEvent


@dataclass(frozen=True, slots=True)
class AdCost:
    message_id: str
    day: date
    channel: str
    source: str
    medium: str
    campaign: str
    currency: str
    cost: Decimal
    impressions: int
    clicks: int


@dataclass(frozen=True, slots=True)
class DealLoss:
    deal_id: str
    at: datetime


RawSignal = AdCost | DealLoss


MAX_COUNT = 2**53  # far below bigint's limit, whatever adds up


def _count(properties: dict[str, Any], name: str, default: int) -> int:
    value = properties.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < MAX_COUNT:
        raise BadInput(f"{name} must be a whole number of at least 0, not {value!r}", field=name)
    return int(value)


MAX_AMOUNT = Decimal(10) ** 15  # numeric(20, 4) holds up to 10^16, sums included


def money(value: Any, *, field: str) -> Decimal:
    """A non-negative amount; BadInput naming ``field`` otherwise."""
    if isinstance(value, bool):
        raise BadInput(f"{field} must be a number, not {value!r}", field=field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise BadInput(f"{field} must be a number, not {str(value)[:40]!r}", field=field) from error
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        raise BadInput(
            f"{field} must be an amount from 0 to less than {MAX_AMOUNT:,}, not {str(value)[:40]}",
            field=field,
        )
    return amount.quantize(Decimal("0.0001"))


def currency_code(value: Any, *, field: str = "currency") -> str:
    code = str(value).strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise BadInput(f"{field} must be a 3-letter currency code, not {value!r}", field=field)
    return code


def ad_cost_of(event: TrackingEvent, *, default_currency: str) -> AdCost:
    properties = event.properties
    given = properties.get("cost")
    clicked = event.event == "Ad Clicked"
    return AdCost(
        message_id=event.message_id,
        day=utc_day(event.timestamp),
        channel=event.channel,
        source=event.campaign.source or "",
        medium=event.campaign.medium or "",
        campaign=event.campaign.name or "",
        currency=currency_code(properties.get("currency") or default_currency),
        cost=Decimal(0) if given is None else money(given, field="cost"),
        impressions=0 if clicked else _count(properties, "impressions", 1),
        clicks=_count(properties, "clicks", 1) if clicked else 0,
    )


def raw_decoder(
    *, ad_events: Collection[str], lost_events: Collection[str], default_currency: str
) -> Callable[[bytes], RawSignal | None]:
    needles = tuple(name.encode() for name in (*ad_events, *lost_events))
    ads, lost = frozenset(ad_events), frozenset(lost_events)

    def decode(value: bytes) -> RawSignal | None:
        if not any(needle in value for needle in needles):
            return None
        try:
            event = TrackingEvent.model_validate_json(value)
        except ValidationError as exc:
            raise BadRecord(
                f"not a tracking event: {exc.errors()[0]['msg']}", code="schema"
            ) from exc
        if event.type != "track":
            return None
        if event.event in ads:
            return ad_cost_of(event, default_currency=default_currency)
        deal = deal_key(event.properties) if event.event in lost else None
        return DealLoss(deal, event.timestamp) if deal else None

    return decode
