"""Device class, browser and OS from user agents, through ua-parser's rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.collector.devices import MAX_USER_AGENT_CHARS, device_class, device_of
from services.collector.enrichment import enrich
from services.collector.segment import parse_message
from shared.events import TrackingEvent

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (IPHONE, ("mobile", "Mobile Safari", "17", "iOS", "17")),
        (EDGE_WINDOWS, ("desktop", "Edge", "124", "Windows", "10")),
        (ANDROID_TABLET, ("tablet", "Chrome", "124", "Android", "14")),
        (ANDROID_PHONE, ("mobile", "Chrome Mobile", "124", "Android", "10")),
        (IPAD, ("tablet", "Mobile Safari", "16", "iOS", "16")),
        (FIREFOX_LINUX, ("desktop", "Firefox", "125", "Linux", None)),
    ],
)
def test_browsers_are_classed_with_family_and_major_version(
    user_agent: str, expected: tuple[str, str, str, str, str | None]
) -> None:
    device = device_of(user_agent)
    assert device is not None
    assert device.browser is not None
    assert device.os is not None
    assert (
        device.class_,
        device.browser.family,
        device.browser.major,
        device.os.family,
        device.os.major,
    ) == expected


@pytest.mark.parametrize("user_agent", [GOOGLEBOT, HEADLESS])
def test_crawlers_and_headless_browsers_are_bots(user_agent: str) -> None:
    device = device_of(user_agent)
    assert device is not None
    assert device.class_ == "bot"


def test_tools_and_libraries_are_other_and_unknown_names_are_left_out() -> None:
    curl = device_of("curl/8.5.0")
    library = device_of("analytics-python/2.3.2")
    assert curl is not None
    assert curl.class_ == "other"
    assert curl.os is None
    assert curl.browser is not None
    assert (curl.browser.family, curl.browser.major) == ("curl", "8")
    assert library is not None
    assert library.browser is None


def test_no_user_agent_gives_no_device() -> None:
    assert device_of(None) is None
    assert device_of("  ") is None


def test_overlong_user_agents_are_read_only_up_to_the_cap() -> None:
    device = device_of(IPHONE + "x" * 40_000)
    assert len(IPHONE) < MAX_USER_AGENT_CHARS
    assert device == device_of(IPHONE)


def test_class_rules_prefer_bot_then_tablet_then_mobile_then_desktop() -> None:
    assert device_class(browser="Chrome", os="Android", device="Spider", brand=None) == "bot"
    assert device_class(browser=None, os="Android", device="X", brand="Generic_Android_Tablet") == (
        "tablet"
    )
    assert device_class(browser=None, os="Windows Phone", device=None, brand=None) == "mobile"
    assert device_class(browser=None, os="Mac OS X", device="Mac", brand="Apple") == "desktop"
    assert device_class(browser=None, os="PlayStation", device=None, brand=None) == "other"


def test_enrichment_prefers_context_user_agent_and_writes_class_on_the_wire() -> None:
    received = datetime(2026, 5, 4, 12, tzinfo=UTC)
    message = parse_message(
        {"anonymousId": "a1", "event": "x", "context": {"userAgent": IPHONE}}, call="track"
    )
    event = enrich(
        message, source_id="s", received_at=received, sent_at=None, user_agent=EDGE_WINDOWS
    )
    assert event.device is not None
    assert event.device.class_ == "mobile"
    wire = TrackingEvent.model_validate_json(event.to_bytes())
    assert wire.device == event.device
    assert b'"device":{"class":"mobile"' in event.to_bytes()

    without = parse_message({"anonymousId": "a1", "event": "x"}, call="track")
    fallback = enrich(
        without, source_id="s", received_at=received, sent_at=None, user_agent=EDGE_WINDOWS
    )
    assert fallback.device is not None
    assert fallback.device.class_ == "desktop"
    assert enrich(without, source_id="s", received_at=received, sent_at=None).device is None
