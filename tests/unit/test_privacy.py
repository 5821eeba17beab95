"""Addresses are anonymised by default and dropped without consent; deep JSON is refused."""

from __future__ import annotations

import json

import pytest

from services.collector.privacy import anonymize_ip, kept_ip
from services.collector.segment import parse_json
from shared.errors import BadInput


def test_ipv4_loses_its_last_octet_and_ipv6_keeps_its_48_bit_network() -> None:
    assert anonymize_ip("203.0.113.77") == "203.0.113.0"
    assert anonymize_ip("2001:db8:abcd:12:34::1") == "2001:db8:abcd::"
    assert anonymize_ip("not an address") is None


def test_a_forwarded_context_ip_wins_over_the_peer_and_consent_can_drop_it() -> None:
    assert kept_ip({"ip": "198.51.100.9"}, "127.0.0.1") == "198.51.100.0"
    assert kept_ip({}, "127.0.0.1") == "127.0.0.0"
    assert kept_ip({"ip": "198.51.100.9", "consent": {"ip": False}}, "127.0.0.1") is None
    assert kept_ip({"consent": {"granted": False}}, "127.0.0.1") is None


def test_json_deeper_than_the_limit_is_refused_naming_the_limit() -> None:
    deep: object = {}
    for _ in range(40):
        deep = {"a": deep}
    with pytest.raises(BadInput) as caught:
        parse_json(json.dumps(deep).encode(), max_depth=32)
    assert (caught.value.code, "32" in caught.value.message) == ("too_deep", True)
    assert parse_json(json.dumps({"a": [1, {"b": 2}]}).encode(), max_depth=3) == {
        "a": [1, {"b": 2}]
    }


def test_absurdly_deep_json_is_refused_not_crashing() -> None:
    with pytest.raises(BadInput):
        parse_json(b"[" * 100_000 + b"]" * 100_000, max_depth=32)
