from datetime import timedelta
from decimal import Decimal

from services.sessionizer.sessions import SessionRules, WebEvent, chain_bounds, sessionize
from services.sessionizer.touchpoints import EventRoles, conversion_of, event_touchpoint, revenue_of
from tests.factories import T0, event

RULES = SessionRules(timeout=timedelta(minutes=30), max_length=timedelta(hours=24))
ROLES = EventRoles(
    touch_events=frozenset({"Email Link Clicked"}),
    background_events=frozenset({"Email Opened"}),
    conversions={"Order Completed": "purchase"},
)


def web(
    minute: float, mid: str | None = None, *, channel: str = "direct", campaign: str | None = None
) -> WebEvent:
    return WebEvent(
        message_id=mid or f"m{minute:08.2f}",
        at=T0 + timedelta(minutes=minute),
        channel=channel,
        campaign=campaign,
        tagged=campaign is not None,
    )


def spans(minutes: list[float], rules: SessionRules = RULES) -> list[tuple[float, float]]:
    return [
        ((s.started_at - T0).total_seconds() / 60, (s.last_event_at - T0).total_seconds() / 60)
        for s in sessionize([web(m) for m in minutes], rules)
    ]


def test_a_pause_longer_than_the_timeout_starts_a_new_session() -> None:
    assert spans([0, 10, 29, 60, 70]) == [(0, 29), (60, 70)]


def test_a_gap_of_exactly_the_timeout_keeps_the_session() -> None:
    assert spans([0, 30]) == [(0, 30)]


def test_a_late_event_in_the_gap_bridges_two_sessions() -> None:
    # The streaming-window example: gap 5, events at 10, 12, 20, then 16 arrives.
    five = SessionRules(timeout=timedelta(minutes=5))
    assert spans([10, 12, 20], five) == [(10, 12), (20, 20)]
    assert spans([10, 12, 20, 16], five) == [(10, 20)]


def test_a_session_never_outgrows_its_maximum_length() -> None:
    short = SessionRules(timeout=timedelta(minutes=30), max_length=timedelta(minutes=45))
    assert spans([0, 20, 40, 60], short) == [(0, 40), (60, 60)]


def test_duplicates_by_message_id_count_once() -> None:
    [session] = sessionize([web(0, "a"), web(5, "b"), web(5, "b")], RULES)
    assert session.event_count == 2


def test_session_id_comes_from_its_first_event_whatever_the_order() -> None:
    events = [web(0, "first"), web(3, "second")]
    assert sessionize(events, RULES) == sessionize(list(reversed(events)), RULES)


def test_campaign_change_splits_only_when_asked() -> None:
    events = [web(0, "a", campaign="spring"), web(5, "b", campaign="summer"), web(8, "c")]
    assert len(sessionize(events, RULES)) == 1
    split = SessionRules(split_on_campaign_change=True)
    assert [s.first.message_id for s in sessionize(events, split)] == ["a", "b"]


def test_a_direct_session_keeps_the_last_campaign_only_when_configured() -> None:
    events = [web(0, "ad", channel="paid_search", campaign="spring"), web(120, "later")]
    ga4 = sessionize(events, RULES)
    assert ga4[1].credited.channel == "direct"
    ua = SessionRules(direct_campaign_timeout=timedelta(days=1))
    assert sessionize(events, ua)[1].credited.campaign == "spring"
    expired = SessionRules(direct_campaign_timeout=timedelta(minutes=60))
    assert sessionize(events, expired)[1].credited.channel == "direct"


def test_chain_bounds_follow_sessions_linked_by_the_timeout() -> None:
    def at(minute: float):  # type: ignore[no-untyped-def]
        return T0 + timedelta(minutes=minute)

    existing = [(at(0), at(10)), (at(35), at(50)), (at(200), at(210))]
    assert chain_bounds(existing, at(70), RULES) == (at(0), at(70))
    assert chain_bounds(existing, at(120), RULES) == (at(120), at(120))


def test_revenue_is_read_from_revenue_then_value_then_amount() -> None:
    assert revenue_of({"revenue": 100}) == Decimal(100)
    assert revenue_of({"value": "12.50"}) == Decimal("12.50")
    assert revenue_of({"amount": 7, "value": "n/a"}) == Decimal(7)
    assert revenue_of({"revenue": True}) == Decimal(0)
    assert revenue_of({}) == Decimal(0)


def test_configured_events_become_conversions_with_stage_and_currency() -> None:
    order = event(
        type="track", name="Order Completed", properties={"revenue": 100, "currency": "eur"}
    )
    conversion = conversion_of(order, "p1", ROLES)
    assert conversion is not None
    assert (conversion.revenue, conversion.currency, conversion.stage) == (
        Decimal(100),
        "EUR",
        "purchase",
    )
    assert conversion_of(event(type="track", name="Product Viewed"), "p1", ROLES) is None


def test_roles_separate_web_activity_touches_and_background_events() -> None:
    assert ROLES.is_web(event(type="page"))
    assert ROLES.is_web(event(type="track", name="Order Completed"))
    assert ROLES.is_touch(event(type="track", name="Email Link Clicked"))
    assert not ROLES.is_web(event(type="track", name="Email Link Clicked"))
    assert not ROLES.is_web(event(type="track", name="Email Opened"))
    assert not ROLES.is_web(event(type="identify", user_id="u"))


def test_an_email_click_is_a_touchpoint_of_its_own_named_after_its_event() -> None:
    click = event(type="track", name="Email Link Clicked", campaign="spring", channel="email")
    touchpoint = event_touchpoint(click, person_id="p1")
    assert (
        touchpoint.touch_type,
        touchpoint.session_id,
        touchpoint.channel,
        touchpoint.campaign,
    ) == ("Email Link Clicked", None, "email", "spring")
    assert touchpoint.occurred_at == click.timestamp
    assert event_touchpoint(click, person_id="p1").touchpoint_id == touchpoint.touchpoint_id


def test_a_session_takes_its_source_from_its_first_event_that_has_one() -> None:
    # Three events of one millisecond: messageId order puts a direct track event first.
    landing = WebEvent(
        message_id="z-page",
        at=T0,
        channel="email",
        campaign="spring",
        landing_page="https://shop.example/?utm_campaign=spring",
        tagged=True,
    )
    order = WebEvent(message_id="a-order", at=T0, channel="direct")
    [session] = sessionize([order, landing], RULES)
    assert session.first.message_id == "a-order"
    assert (session.credited.channel, session.credited.campaign) == ("email", "spring")
    assert session.landing_page == "https://shop.example/?utm_campaign=spring"
