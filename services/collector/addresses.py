"""Which address a request came from. Pure.

By default the socket peer: ``X-Forwarded-For`` is written by whoever sends the request, so it is
believed only when the peer is a proxy listed in ``COLLECTOR__TRUSTED_PROXIES``. Then the client
is the right-most address of the header that is not itself a trusted proxy: each proxy appends
the address it received from, so everything to the left of the first untrusted hop may be forged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``10.0.0.1``, ``10.0.0.0/8``, ``fd00::/8``… Raises ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"not an address or network: {entry!r}") from exc
    return tuple(networks)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], *, trusted: Sequence[Network]
) -> str | None:
    """The client's address; ``forwarded_for`` holds every ``X-Forwarded-For`` header value."""
    if peer is None or not _within(peer, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    nearest = peer
    for hop in reversed(hops):
        if not _is_address(hop):
            break  # a trusted proxy wrote nonsense: believe nothing further left
        if not _within(hop, trusted):
            return hop
        nearest = hop
    return nearest


def bucket_key(address: str | None) -> str | None:
    """What one rate-limit bucket is keyed by: an IPv4 address, or an IPv6 /64, which one host
    usually holds whole (it could otherwise get a fresh bucket per address)."""
    if address is None:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _within(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
