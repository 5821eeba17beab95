"""Token buckets: how many events a source, and how many requests an address, may send. Pure.

A bucket holds up to ``burst`` tokens and refills at ``per_s`` tokens a second; a request costs
one token per event (per-source limit) or one per request (per-address limit). Buckets live in
an LRU of bounded size, so a flood from many addresses cannot grow memory without bound: the
least recently used bucket is forgotten, which only ever gives its key a fresh, full bucket.
Time comes from the caller (``now``, in seconds of a monotonic clock), so tests need no sleeps.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    per_s: float
    burst: int

    @property
    def enabled(self) -> bool:
        return self.per_s > 0


class RateLimited(Exception):
    """Over a limit: nothing of the request was accepted; retry after ``retry_after_s``."""

    def __init__(self, *, limit: str, retry_after_s: int, message: str, events: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after_s = retry_after_s
        self.message = message
        self.events = events


class TokenBuckets:
    def __init__(self, rate: Rate, *, max_keys: int) -> None:
        if rate.enabled and rate.burst < 1:
            raise ValueError("a rate limit's burst must be at least 1")
        self.rate = rate
        self.max_keys = max_keys
        # key -> (tokens, time of that count)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, cost: int, *, now: float) -> float:
        """Takes ``cost`` tokens and returns 0.0, or takes none and returns the seconds until
        ``cost`` tokens will be there. A cost above the burst could never pass: ValueError."""
        if not self.rate.enabled:
            return 0.0
        if cost > self.rate.burst:
            raise ValueError(f"cost {cost} exceeds the burst of {self.rate.burst}")
        tokens = self._tokens(key, now)
        if tokens >= cost:
            self._store(key, tokens - cost, now)
            return 0.0
        self._store(key, tokens, now)
        return (cost - tokens) / self.rate.per_s

    def _tokens(self, key: str, now: float) -> float:
        stored = self._buckets.get(key)
        if stored is None:
            return float(self.rate.burst)
        tokens, then = stored
        # max(): a clock that went backwards must not drain the bucket.
        return min(float(self.rate.burst), tokens + max(0.0, now - then) * self.rate.per_s)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


def retry_after(wait_s: float) -> int:
    """Whole seconds for ``Retry-After``: rounded up, and at least 1."""
    return max(1, math.ceil(wait_s))


class Throttle:
    """The collector's two limits: requests per client address, events per source."""

    def __init__(
        self,
        *,
        per_source: Rate,
        per_address: Rate,
        max_addresses: int,
        max_sources: int = 10_000,
        clock: Callable[[], float],
    ) -> None:
        self.sources = TokenBuckets(per_source, max_keys=max_sources)
        self.addresses = TokenBuckets(per_address, max_keys=max_addresses)
        self.clock = clock

    def check_address(self, address: str | None) -> None:
        """One request from ``address`` (unknown addresses share one bucket). Raises RateLimited."""
        rate = self.addresses.rate
        wait = self.addresses.take(address or "?", 1, now=self.clock())
        if wait > 0:
            seconds = retry_after(wait)
            raise RateLimited(
                limit="address",
                retry_after_s=seconds,
                events=1,
                message=f"more than {rate.per_s:g} requests/s (burst {rate.burst}) from your "
                f"address; nothing was accepted, retry in {seconds} s",
            )

    def check_source(self, source_id: str, events: int) -> None:
        """``events`` events from a source, all or none. Raises RateLimited."""
        rate = self.sources.rate
        wait = self.sources.take(source_id, events, now=self.clock())
        if wait > 0:
            seconds = retry_after(wait)
            raise RateLimited(
                limit="source",
                retry_after_s=seconds,
                events=events,
                message=f"this source sends more than {rate.per_s:g} events/s (burst "
                f"{rate.burst}); nothing of this request ({events} event"
                f"{'' if events == 1 else 's'}) was accepted, retry in {seconds} s",
            )
