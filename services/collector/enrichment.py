"""Turns a validated Segment message into the enriched event Boucle publishes. Pure."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from services.collector.campaign import (
    campaign_from,
    click_ids_from,
    external_referrer,
    query_params,
)
from services.collector.channels import TrafficSignals, classify
from services.collector.clock import plausible
from services.collector.devices import device_of
from services.collector.integrations.ads import click_identities, with_ad_signals
from services.collector.privacy import (
    TRACKING_CATEGORIES,
    kept_ip,
    tracking_consent,
    without_contact,
)
from services.collector.segment import SegmentMessage
from shared.events import TrackingEvent
from shared.identity import identities_from_traits


def event_time(
    original: datetime | None, sent_at: datetime | None, received_at: datetime
) -> tuple[datetime, tuple[str, ...]]:
    """Segment's skew correction: received - (sentAt - originalTimestamp), kept plausible.

    A corrected time that cannot even be computed (``originalTimestamp`` 0001-01-01 with
    ``sentAt`` 9999-12-31, or the reverse) is replaced by the time received and flagged."""
    if original is None:
        return received_at, ()
    try:
        original = _aware(original)
        corrected = received_at - (_aware(sent_at) - original) if sent_at is not None else original
    except OverflowError:
        return received_at, ("timestamp_out_of_range",)
    return plausible(corrected, received_at)


def _aware(moment: datetime) -> datetime:
    """Timestamps without an offset are UTC, as Segment's libraries send them."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def page_url_of(message: SegmentMessage) -> str | None:
    page = message.context.get("page")
    url = page.get("url") if isinstance(page, dict) else None
    if not url and message.type == "page":
        url = message.properties.get("url")
    return str(url) if url else None


def referrer_of(message: SegmentMessage) -> str | None:
    page = message.context.get("page")
    referrer = page.get("referrer") if isinstance(page, dict) else None
    if not referrer and message.type == "page":
        referrer = message.properties.get("referrer")
    return str(referrer) if referrer else None


def enrich(
    message: SegmentMessage,
    *,
    source_id: str,
    received_at: datetime,
    sent_at: datetime | None,
    offline: bool = False,
    peer_ip: str | None = None,
    user_agent: str | None = None,
    tracking_categories: Collection[str] = TRACKING_CATEGORIES,
) -> TrackingEvent:
    """``peer_ip`` and ``user_agent`` are the request's, used when the message has none;
    ``tracking_categories`` are the consent categories that allow journeys (privacy.py)."""
    page_url = page_url_of(message)
    params = query_params(page_url)
    campaign_context = message.context.get("campaign")
    campaign = campaign_from(
        campaign_context if isinstance(campaign_context, dict) else None, params
    )
    # The snippet keeps the landing page's click ids for the session in context.clickIds.
    kept = message.context.get("clickIds")
    campaign, click_ids = with_ad_signals(
        message.type,
        message.event,
        message.properties,
        campaign,
        {**click_ids_from(kept if isinstance(kept, dict) else {}), **click_ids_from(params)},
    )
    referrer_host = external_referrer(referrer_of(message), page_url)
    original = message.originalTimestamp or message.timestamp
    timestamp, flags = event_time(original, message.sentAt or sent_at, received_at)
    signals = TrafficSignals(
        campaign=campaign, click_ids=click_ids, referrer_host=referrer_host, offline=offline
    )
    return TrackingEvent(
        message_id=message.messageId or str(uuid.uuid4()),
        type=message.type,
        source_id=source_id,
        anonymous_id=message.anonymousId,
        user_id=message.userId,
        previous_id=message.previousId,
        group_id=message.groupId,
        event=message.event,
        name=message.name,
        properties=without_contact(message.properties),
        traits=without_contact(message.traits),
        context=_kept_context(message.context, peer_ip),
        timestamp=timestamp,
        original_timestamp=original,
        sent_at=message.sentAt or sent_at,
        received_at=received_at,
        campaign=campaign,
        click_ids=click_ids,
        identities={**identities_of(message), **click_identities(click_ids)},
        channel=classify(signals),
        referrer_host=referrer_host,
        page_url=page_url,
        flags=flags,
        device=device_of(_user_agent(message.context) or user_agent),
        tracking_consent=tracking_consent(message.context, tracking_categories),
    )


def _user_agent(context: dict[str, Any]) -> str | None:
    given = context.get("userAgent")
    return given if isinstance(given, str) else None


def identities_of(message: SegmentMessage) -> dict[str, str]:
    """Hashed email and phone from ``traits`` (identify), ``context.traits`` (any call) or
    ``properties`` (a contact form's track event)."""
    context_traits = message.context.get("traits")
    found = identities_from_traits(context_traits) if isinstance(context_traits, dict) else {}
    return {
        **identities_from_traits(message.properties),
        **found,
        **identities_from_traits(message.traits),
    }


def _kept_context(context: dict[str, Any], peer_ip: str | None) -> dict[str, Any]:
    # Addresses are personal data: only an anonymised one is kept, and none without consent;
    # contact details in context.traits are kept as hashed identities only.
    kept = {key: value for key, value in context.items() if key != "ip"}
    ip = kept_ip(context, peer_ip)
    if ip:
        kept["ip"] = ip
    traits = kept.get("traits")
    if isinstance(traits, dict):
        kept["traits"] = without_contact(traits)
    return kept
