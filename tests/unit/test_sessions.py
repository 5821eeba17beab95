from datetime import timedelta
from decimal import Decimal

from services.sessionizer.sessions import (
    SessionRules,
    continues,
    conversion_of,
    extend,
    revenue_of,
    start,
    touchpoint_of,
)
from tests.factories import T0, event

RULES = SessionRules(timeout=timedelta(minutes=30), max_length=timedelta(hours=24))


def test_events_closer_than_the_timeout_share_a_session() -> None:
    session = start("p1", event(minutes=0))
    assert continues(session, T0 + timedelta(minutes=29), RULES)
    assert continues(session, T0 + timedelta(minutes=30), RULES)


def test_a_pause_longer_than_the_timeout_starts_a_new_session() -> None:
    session = extend(start("p1", event(minutes=0)), T0 + timedelta(minutes=20))
    assert not continues(session, T0 + timedelta(minutes=51), RULES)


def test_a_session_never_outgrows_its_maximum_length() -> None:
    short = SessionRules(timeout=timedelta(minutes=30), max_length=timedelta(minutes=45))
    session = extend(start("p1", event(minutes=0)), T0 + timedelta(minutes=25))
    assert not continues(session, T0 + timedelta(minutes=50), short)


def test_an_earlier_event_inside_the_gap_extends_the_session_backwards() -> None:
    session = start("p1", event(minutes=10))
    assert continues(session, T0, RULES)
    assert extend(session, T0).started_at == T0


def test_session_ids_are_derived_from_content() -> None:
    first = event(minutes=0, message_id="m-1")
    assert start("p1", first).session_id == start("p1", first).session_id
    assert start("p1", first).session_id != start("p2", first).session_id


def test_touchpoint_takes_its_channel_and_campaign_from_the_first_event() -> None:
    first = event(campaign="spring", channel="paid_search")
    touchpoint = touchpoint_of(start("p1", first), first)
    assert (touchpoint.channel, touchpoint.campaign, touchpoint.source) == (
        "paid_search", "spring", "google")
    assert touchpoint.occurred_at == first.timestamp


def test_revenue_is_read_from_revenue_then_value_then_amount() -> None:
    assert revenue_of({"revenue": 100}) == Decimal(100)
    assert revenue_of({"value": "12.50"}) == Decimal("12.50")
    assert revenue_of({"amount": 7, "value": "n/a"}) == Decimal(7)
    assert revenue_of({"revenue": True}) == Decimal(0)
    assert revenue_of({}) == Decimal(0)


def test_configured_track_events_become_conversions_with_their_currency() -> None:
    order = event(type="track", name="Order Completed",
                  properties={"revenue": 100, "currency": "eur"})
    conversion = conversion_of(order, "p1", conversion_events={"Order Completed"},
                               default_currency="USD")
    assert conversion is not None
    assert (conversion.revenue, conversion.currency) == (Decimal(100), "EUR")


def test_other_events_are_not_conversions() -> None:
    viewed = event(type="track", name="Product Viewed")
    assert conversion_of(viewed, "p1", conversion_events={"Order Completed"},
                         default_currency="USD") is None
