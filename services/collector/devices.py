"""The device class, browser and OS of a user agent, from ua-parser's maintained rules.

ua-parser names browsers, systems and devices (uap-core's regexes, updated monthly through the
``ua-parser-builtins`` package); the class (desktop, mobile, tablet, bot, other) is Boucle's, from
those names. Parsing is memoised: traffic repeats a few thousand user agents, and one uncached
parse costs about a millisecond.
"""

from __future__ import annotations

import functools

import ua_parser

from shared.events import Device, DeviceClass, Software

# Real user agents are a few hundred characters; the regexes slow down on longer input, and a
# sender could otherwise spend our CPU with 32 KB ones.
MAX_USER_AGENT_CHARS = 512
CACHED_USER_AGENTS = 4096

MOBILE_SYSTEMS = frozenset(
    {"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS", "Symbian OS"}
)
DESKTOP_SYSTEMS = frozenset(
    {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "Debian", "FreeBSD",
     "OpenBSD", "NetBSD", "Red Hat", "SUSE", "Mint", "Arch Linux"}
)  # fmt: skip
PHONE_DEVICES = frozenset({"iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone"})
TABLET_DEVICES = frozenset({"iPad", "Generic Tablet", "Kindle"})
# Automation drives these browsers; uap-core calls crawlers' devices "Spider".
AUTOMATED_BROWSERS = frozenset({"HeadlessChrome", "PhantomJS"})


def load_rules() -> None:
    """ua-parser compiles its rules on first use (about 150 ms): at start, not in a request."""
    _parsed.__wrapped__("Mozilla/5.0")


def device_of(user_agent: str | None) -> Device | None:
    if not user_agent or not user_agent.strip():
        return None
    return _parsed(user_agent[:MAX_USER_AGENT_CHARS])


@functools.lru_cache(maxsize=CACHED_USER_AGENTS)
def _parsed(user_agent: str) -> Device:
    result = ua_parser.parse(user_agent)
    agent, system_ = result.user_agent, result.os
    browser = _software(agent.family, agent.major) if agent else None
    system = _software(system_.family, system_.major) if system_ else None
    device_family = result.device.family if result.device else None
    device_brand = result.device.brand if result.device else None
    return Device(
        class_=device_class(
            browser=browser.family if browser else None,
            os=system.family if system else None,
            device=device_family,
            brand=device_brand,
        ),
        browser=browser,
        os=system,
    )


def _software(family: str, major: str | None) -> Software | None:
    return None if family == "Other" else Software(family=family, major=major)


def device_class(
    *, browser: str | None, os: str | None, device: str | None, brand: str | None
) -> DeviceClass:
    """The class from ua-parser's names. iPads since iPadOS 13 say they are Macs: desktop."""
    if device == "Spider" or browser in AUTOMATED_BROWSERS:
        return "bot"
    if device in TABLET_DEVICES or (brand or "").endswith("_Tablet"):
        return "tablet"
    if os in MOBILE_SYSTEMS or device in PHONE_DEVICES:
        return "mobile"
    if os in DESKTOP_SYSTEMS:
        return "desktop"
    return "other"
