import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.collector.enrichment import enrich, event_time
from services.collector.segment import parse_message
from shared.events import TrackingEvent
from shared.identity import email_hash

RECEIVED = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


def test_clock_skew_is_corrected_with_the_send_delay() -> None:
    # The device clock is 1 h behind; the event was created 10 s before it was sent.
    original = datetime(2026, 5, 4, 10, 59, 50, tzinfo=UTC)
    sent_at = datetime(2026, 5, 4, 11, 0, 0, tzinfo=UTC)
    corrected, flags = event_time(original, sent_at, RECEIVED)
    assert corrected == RECEIVED - timedelta(seconds=10)
    assert flags == ()


def test_without_sent_at_the_device_time_is_kept() -> None:
    original = datetime(2026, 5, 4, 11, 0, tzinfo=UTC)
    assert event_time(original, None, RECEIVED) == (original, ())


def test_far_future_event_time_is_clamped_to_reception_and_flagged() -> None:
    future = RECEIVED + timedelta(days=3)
    assert event_time(future, None, RECEIVED) == (RECEIVED, ("timestamp_in_future",))


def test_naive_timestamps_are_read_as_utc() -> None:
    corrected, _ = event_time(datetime(2026, 5, 4, 11, 0), None, RECEIVED)
    assert corrected.tzinfo is not None
    assert corrected == datetime(2026, 5, 4, 11, 0, tzinfo=UTC)


def test_enriched_page_view_carries_campaign_channel_and_a_message_id() -> None:
    message = parse_message(
        {
            "anonymousId": "a1",
            "context": {
                "ip": "203.0.113.9",
                "page": {
                    "url": "https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=spring",
                    "referrer": "https://www.google.com/",
                },
            },
        },
        call="page",
    )
    event = enrich(message, source_id="src", received_at=RECEIVED, sent_at=None)
    assert event.campaign.name == "spring"
    assert event.channel == "paid_search"
    assert event.referrer_host == "google.com"
    assert event.message_id
    assert event.timestamp == RECEIVED
    assert event.context["ip"] == "203.0.113.0"  # anonymised, never the full address


def test_given_message_id_is_kept() -> None:
    message = parse_message({"anonymousId": "a1", "messageId": "m-1", "event": "x"}, call="track")
    assert enrich(message, source_id="s", received_at=RECEIVED, sent_at=None).message_id == "m-1"


def test_offline_source_makes_offline_touches() -> None:
    message = parse_message({"userId": "u1", "event": "Store Visit"}, call="track")
    event = enrich(message, source_id="s", received_at=RECEIVED, sent_at=None, offline=True)
    assert event.channel == "offline"


def test_an_email_in_traits_becomes_a_hashed_identity_never_the_address() -> None:
    message = parse_message(
        {"userId": "u1", "traits": {"email": "  Ada@Example.COM "}}, call="identify"
    )
    event = enrich(message, source_id="s", received_at=RECEIVED, sent_at=None)
    assert event.identities == {"email": email_hash("ada@example.com")}
    assert event.identities["email"] == hashlib.sha256(b"ada@example.com").hexdigest()


def test_something_that_is_not_an_address_gives_no_identity() -> None:
    message = parse_message({"userId": "u1", "traits": {"email": "n/a"}}, call="identify")
    assert enrich(message, source_id="s", received_at=RECEIVED, sent_at=None).identities == {}


def test_an_event_known_only_by_an_identity_is_keyed_by_it() -> None:
    event = TrackingEvent(
        message_id="m",
        type="track",
        source_id="s",
        event="Email Opened",
        identities={"email": "abc"},
        timestamp=RECEIVED,
        received_at=RECEIVED,
    )
    assert event.actor_id == "email:abc"


def test_an_event_with_no_identifier_at_all_is_invalid() -> None:
    with pytest.raises(ValidationError, match="anonymousId, a userId or an identity"):
        TrackingEvent(
            message_id="m",
            type="track",
            source_id="s",
            event="x",
            timestamp=RECEIVED,
            received_at=RECEIVED,
        )
