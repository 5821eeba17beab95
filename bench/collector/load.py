"""Load generation and the figures it reports. Runs in its own process, against loopback only."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Figures:
    name: str
    events: int
    seconds: float
    latencies_s: list[float]

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds

    def percentile(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def row(self) -> str:
        return (
            f"{self.name:<34} {self.events_per_s:>10,.0f} ev/s   "
            f"p50 {self.percentile(0.5):>7.2f} ms   p99 {self.percentile(0.99):>7.2f} ms"
        )


def track_event(index: int) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Product Viewed",
        "messageId": str(uuid.uuid4()),
        "anonymousId": f"bench-{index % 997}",
        "timestamp": "2026-05-04T10:00:00Z",
        "properties": {"product_id": f"p-{index}", "price": 19.9, "currency": "EUR"},
        "context": {
            "page": {
                "url": "https://shop.example/p?utm_source=google&utm_medium=cpc&utm_campaign=bench",
                "referrer": "https://www.google.com/",
            },
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Bench/1.0",
        },
    }


async def drive(
    name: str, send: Callable[[int], Awaitable[int]], *, concurrency: int, duration_s: float
) -> Figures:
    """``concurrency`` workers call ``send`` back to back for ``duration_s``; each call returns
    the number of events it carried."""
    latencies: list[float] = []
    events = 0
    deadline = time.perf_counter() + duration_s
    counter = iter(range(10**9))

    async def worker() -> None:
        nonlocal events
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            carried = await send(next(counter))
            # Add after the await: `events += await …` would read `events` before suspending
            # and lose the other workers' counts.
            events += carried
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Figures(name, events, time.perf_counter() - started, latencies)


def http_sender(
    client: httpx.AsyncClient, path: str, *, batch: int
) -> Callable[[int], Awaitable[int]]:
    async def send(index: int) -> int:
        if batch == 1:
            response = await client.post(path, json=track_event(index))
        else:
            response = await client.post(
                path, json={"batch": [track_event(index * batch + i) for i in range(batch)]}
            )
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text}")
        return batch

    return send


def summary(figures: list[Figures]) -> str:
    return "\n".join(f.row() for f in figures)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
