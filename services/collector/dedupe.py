"""Edge deduplication: messageIds seen within a recent window, in bounded memory.

Clients retry on timeouts, so the same event often arrives twice within seconds. Dropping those
here saves downstream work; consumers still dedupe exactly, so this window may forget (bounded
size, time-limited) without harm.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable


class RecentIds:
    def __init__(
        self,
        *,
        max_ids: int,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_ids = max_ids
        self._window_s = window_s
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # oldest first

    def seen(self, key: str) -> bool:
        """True when ``key`` was remembered within the window."""
        self._expire()
        return key in self._seen

    def remember(self, keys: list[str]) -> None:
        """Called only after the events were durably accepted, so a failed try can be retried."""
        now = self._clock()
        for key in keys:
            self._seen[key] = now
            self._seen.move_to_end(key)
        while len(self._seen) > self._max_ids:
            self._seen.popitem(last=False)

    def _expire(self) -> None:
        horizon = self._clock() - self._window_s
        while self._seen:
            key, at = next(iter(self._seen.items()))
            if at >= horizon:
                return
            del self._seen[key]

    def __len__(self) -> int:
        return len(self._seen)


class InFlight:
    """messageIds being published right now. A twin that arrives meanwhile (a page's beacon
    racing its own fetch) waits for the first attempt: a duplicate if it succeeded, published
    again if it failed — so neither doubles the event nor loses it."""

    def __init__(self) -> None:
        self._pending: dict[str, asyncio.Future[bool]] = {}

    def twin_of(self, key: str) -> asyncio.Future[bool] | None:
        return self._pending.get(key)

    def begin(self, keys: list[str]) -> None:
        loop = asyncio.get_running_loop()
        for key in keys:
            self._pending[key] = loop.create_future()

    def end(self, keys: list[str], *, delivered: bool) -> None:
        for key in keys:
            future = self._pending.pop(key, None)
            if future is not None and not future.done():
                future.set_result(delivered)
