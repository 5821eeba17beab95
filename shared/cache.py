"""A small expiring cache in front of PostgreSQL lookups on the request path (write keys, CORS
origins and integration secrets in the collector, API tokens in every service)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy.exc import DBAPIError

from shared.errors import DependencyDown

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
DB_ERRORS = (DBAPIError, OSError, TimeoutError)


class ExpiringCache(Generic[K, V]):
    """Answers (found or not) kept for ``ttl_s``. When the database fails, a known answer is
    used stale rather than refusing a known sender, for at most ``max_stale_s`` past its expiry
    (None: as long as the outage lasts); an unknown one is a DependencyDown."""

    def __init__(
        self,
        *,
        ttl_s: float,
        max_entries: int = 10_000,
        max_stale_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._max_stale_s = max_stale_s
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        now = self._clock()
        cached = self._entries.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            value = await load()
        except DB_ERRORS as exc:
            if cached is not None and self._usable_stale(cached[0], now):
                return cached[1]
            raise DependencyDown("postgres", repr(exc)) from exc
        if len(self._entries) >= self._max_entries:
            # Forgotten wholesale, so a flood of made-up keys cannot grow memory without bound.
            self._entries.clear()
        self._entries[key] = (now + self._ttl_s, value)
        return value

    def _usable_stale(self, expired_at: float, now: float) -> bool:
        return self._max_stale_s is None or now - expired_at <= self._max_stale_s
