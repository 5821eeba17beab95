"""Which address a request is counted against: X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import pytest

from services.collector.addresses import bucket_key, client_address, parse_networks

PROXIES = parse_networks(["10.0.0.0/8", "192.0.2.1"])


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert client_address("198.51.100.4", ["203.0.113.9"], trusted=()) == "198.51.100.4"


def test_a_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address("198.51.100.4", ["203.0.113.9"], trusted=PROXIES) == "198.51.100.4"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() -> None:
    # The client forged the first entry; the load balancer 10.1.1.1 appended what it saw.
    forwarded = ["1.2.3.4, 203.0.113.9, 10.1.1.1"]
    assert client_address("10.0.0.5", forwarded, trusted=PROXIES) == "203.0.113.9"


def test_every_header_value_counts_in_order() -> None:
    assert client_address("192.0.2.1", ["1.2.3.4", "203.0.113.9"], trusted=PROXIES) == (
        "203.0.113.9"
    )


def test_when_every_hop_is_trusted_the_left_most_is_the_client() -> None:
    assert client_address("10.0.0.5", ["10.9.9.9, 10.1.1.1"], trusted=PROXIES) == "10.9.9.9"


def test_a_trusted_proxy_without_the_header_is_the_client() -> None:
    assert client_address("10.0.0.5", [], trusted=PROXIES) == "10.0.0.5"


def test_nothing_left_of_a_malformed_hop_is_believed() -> None:
    forwarded = ["203.0.113.9, unknown, 10.1.1.1"]
    assert client_address("10.0.0.5", forwarded, trusted=PROXIES) == "10.1.1.1"


def test_a_bad_trusted_proxy_entry_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        parse_networks(["10.0.0.300"])


def test_ipv6_clients_share_a_bucket_per_64_and_ipv4_per_address() -> None:
    assert bucket_key("2001:db8:1:2:aaaa::1") == bucket_key("2001:db8:1:2:bbbb::9")
    assert bucket_key("2001:db8:1:2::1") != bucket_key("2001:db8:1:3::1")
    assert bucket_key("203.0.113.9") == "203.0.113.9"
    assert bucket_key(None) is None
