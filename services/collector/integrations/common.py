"""What every integration shares: refusals, the request it verifies, the events it builds. Pure."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from services.collector.campaign import campaign_from, click_ids_from, query_params
from services.collector.clock import plausible
from services.collector.storable import amount_of
from shared.errors import BadInput
from shared.events import Campaign, TrackingEvent
from shared.identity import EMAIL, email_hash

# Fixed so that the same provider delivery always gets the same messageId, on any collector.
NAMESPACE = uuid.UUID("2f6d3c1e-8a4b-4c1d-9e57-0b8f4a6c9d21")
MAX_ID_LENGTH = 200


class Refused(Exception):
    """A webhook request that does not prove it comes from the provider (answered 401)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # forged, stale, replayed, unauthenticated, unknown_source
        self.message = message


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """The parts of an HTTP request a verifier may sign over; headers lower-cased."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rejected:
    """One item of a delivery that cannot become an event; kept in the dead-letter topic."""

    reason: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Parsed:
    events: list[TrackingEvent] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    ignored: int = 0  # items of kinds Boucle has no use for (e.g. SendGrid "processed")


def message_id(provider: str, *parts: str) -> str:
    """A messageId derived from the provider's own ids, so its retries map to one event."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join((provider, *parts))))


def same(expected: str | bytes, given: str | bytes) -> bool:
    """Constant-time comparison, so timing does not leak how much of a signature matched."""
    left = expected.encode() if isinstance(expected, str) else expected
    right = given.encode() if isinstance(given, str) else given
    return hmac.compare_digest(left, right)


def hmac_sha256(key: str, message: bytes) -> bytes:
    return hmac.new(key.encode(), message, hashlib.sha256).digest()


def check_window(moment: datetime, *, now: datetime, window: timedelta) -> None:
    """Refuses a signed timestamp outside ``now ± window``: an old request replayed later."""
    if abs(now - moment) > window:
        raise Refused(
            "stale",
            f"request timestamp {moment.isoformat()} is outside the accepted window of "
            f"{int(window.total_seconds())} s; check the sender's clock or resend",
        )


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"body is not valid JSON: {exc}", code="invalid_json") from exc


def from_epoch(value: Any, *, millis: bool = False) -> datetime | None:
    """A Unix time (seconds, or milliseconds) as an aware datetime; None when unusable."""
    try:
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if millis else number, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):  # not a number, NaN, out of range
        return None


def from_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def amount(value: Any, *, field: str = "amount") -> Decimal | None:
    """None when absent; BadInput naming ``field`` when it is there but not a number (a deal
    whose amount is garbage must not be stored as a deal worth nothing)."""
    if value is None or value == "":
        return None
    return amount_of(value, field=field)


def identities(email: Any = None, **crm_ids: Any) -> dict[str, str]:
    """Hashed email plus any CRM ids given as ``kind=value``; the raw address is dropped here."""
    found: dict[str, str] = {}
    hashed = email_hash(email) if isinstance(email, str) else None
    if hashed:
        found[EMAIL] = hashed
    for kind, value in crm_ids.items():
        if value not in (None, "", 0):
            found[kind] = str(value)[:MAX_ID_LENGTH]
    return found


def url_campaign(url: str | None, **defaults: str | None) -> tuple[Campaign, dict[str, str]]:
    """Campaign (utm_* of the URL first, then ``defaults``) and click ids of a clicked link."""
    params = query_params(url)
    given = {k: v for k, v in defaults.items() if v}
    return campaign_from(given, params), click_ids_from(params)


@dataclass(frozen=True, slots=True)
class EventSpec:
    """What a provider mapping decides; ``build`` adds what every webhook event shares."""

    event: str
    message_id: str
    occurred_at: datetime
    identities: dict[str, str]
    channel: str
    properties: dict[str, Any] = field(default_factory=dict)
    campaign: Campaign = field(default_factory=Campaign)
    click_ids: dict[str, str] = field(default_factory=dict)
    page_url: str | None = None
    anonymous_id: str | None = None
    user_id: str | None = None


def email_event(
    provider: str,
    name: str,
    *,
    event_id: object,
    occurred_at: datetime,
    recipient: Any,
    url: Any,
    campaign_name: Any = None,
    properties: dict[str, Any],
) -> EventSpec:
    """An email-provider event of the recipient; a clicked link's utm_* make its campaign."""
    link = url if isinstance(url, str) else None
    name_default = campaign_name if isinstance(campaign_name, str) else None
    campaign, click_ids = url_campaign(link, name=name_default)
    return EventSpec(
        event=name,
        message_id=message_id(provider, str(event_id)),
        occurred_at=occurred_at,
        identities=identities(recipient),
        channel="email",
        campaign=campaign,
        click_ids=click_ids,
        page_url=link,
        properties={"provider": provider, "url": link, **properties},
    )


def build(spec: EventSpec, *, source_id: str, received_at: datetime) -> TrackingEvent:
    """The event as published. Raises BadInput when it names nobody."""
    if not (spec.identities or spec.anonymous_id or spec.user_id):
        raise BadInput(f"{spec.event}: no email, contact id or anonymous id identifies anyone")
    occurred_at, flags = plausible(spec.occurred_at, received_at)
    return TrackingEvent(
        message_id=spec.message_id,
        type="track",
        source_id=source_id,
        anonymous_id=spec.anonymous_id,
        user_id=spec.user_id,
        event=spec.event,
        properties={k: v for k, v in spec.properties.items() if v not in (None, "")},
        timestamp=occurred_at,
        original_timestamp=spec.occurred_at,
        received_at=received_at,
        flags=flags,
        campaign=spec.campaign,
        click_ids=spec.click_ids,
        identities=spec.identities,
        channel=spec.channel,
        page_url=spec.page_url,
    )


Mapper = Callable[[Any], "EventSpec | None"]


def collect(
    items: Iterable[Any], mapper: Mapper, *, source_id: str, received_at: datetime
) -> Parsed:
    """Maps and builds each item; an item that cannot become an event is rejected alone, and
    one the mapper returns None for (a kind Boucle has no use for) is only counted."""
    events: list[TrackingEvent] = []
    rejected: list[Rejected] = []
    ignored = 0
    for item in items:
        try:
            spec = mapper(item)
            if spec is None:
                ignored += 1
                continue
            events.append(build(spec, source_id=source_id, received_at=received_at))
        except (BadInput, ValueError) as exc:
            reason = exc.message if isinstance(exc, BadInput) else str(exc)
            rejected.append(Rejected(reason=reason, payload=json.dumps(item).encode()))
    return Parsed(events=events, rejected=rejected, ignored=ignored)
