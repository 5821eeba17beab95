"""The cost of the edge checks (NUL characters, amounts, currencies), measured in-process.

``python -m bench.edge_validation`` posts 100-event batches to the collector app through ASGI
(no sockets, Kafka replaced by a list) and prints events/s, with ``--root DIR`` running another
checkout's collector in the same way, for a before/after in one sitting; it also times the
checks alone on the same events. It prints figures and never fails on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import time
from collections.abc import Iterable
from typing import Any

import httpx
import msgspec

from bench.collector.load import BodyMaker, body_template

KEY = "bench-key"


class DiscardingSink:
    async def send_all(self, records: Iterable[Any]) -> None:
        for _ in records:
            pass


class OneSource:
    def __init__(self, source: Any) -> None:
        self.source = source

    async def authenticate(self, write_key: str) -> Any:
        return self.source if write_key == KEY else None

    async def origin_allowed(self, origin: str) -> bool:
        return False


def build_app() -> Any:
    from prometheus_client import CollectorRegistry

    from services.collector.app import Ingestor, create_app
    from services.collector.metrics import CollectorMetrics
    from services.collector.settings import CollectorOptions, RateLimitSettings
    from services.collector.sources import Source
    from shared.settings import TopicSettings

    registry = CollectorRegistry()
    options = CollectorOptions(
        rate_limits=RateLimitSettings(source_events_per_s=0, ip_requests_per_s=0)
    )
    source = OneSource(Source("s-1", "bench", "server", True, ()))
    ingestor = Ingestor(
        DiscardingSink(),
        source,
        options=options,
        topics=TopicSettings(),
        metrics=CollectorMetrics(registry),
    )
    return create_app(ingestor, registry=registry, checks={})


async def batches_per_s(requests: int, *, batch: int) -> float:
    app = build_app()
    make = BodyMaker(body_template(batch), prefix="edge")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench", auth=(KEY, "")
    ) as http:
        for _ in range(5):  # warm-up: rules compiled, caches filled
            await http.post("/v1/batch", content=make())
        bodies = [make() for _ in range(requests)]
        started = time.perf_counter()
        for body in bodies:
            response = await http.post("/v1/batch", content=body)
            assert response.status_code == 200, response.text
        return requests * batch / (time.perf_counter() - started)


def checks_alone(rounds: int, *, batch: int) -> float | None:
    """Microseconds the edge checks take for one batch, or None on a checkout without them."""
    try:
        storable = importlib.import_module("services.collector.storable")
    except ModuleNotFoundError:
        return None
    items = msgspec.json.decode(BodyMaker(body_template(batch), prefix="x")())["batch"]
    encoder = msgspec.json.Encoder()
    started = time.perf_counter()
    for _ in range(rounds):
        for item in items:
            storable.storable_message(item, where="batch[0]", encoded=encoder.encode(item))
    return (time.perf_counter() - started) / rounds * 1e6


async def with_and_without(rounds: int, *, requests: int, batch: int) -> tuple[float, float]:
    """Best events/s with the checks and with them replaced by no-ops, alternating in one
    process, so that both see the same machine load."""
    namespace = vars(importlib.import_module("services.collector.app"))
    checks = {name: namespace[name] for name in ("storable_message", "storable_derived")}
    best_with = best_without = 0.0
    for _ in range(rounds):
        best_with = max(best_with, await batches_per_s(requests, batch=batch))
        namespace.update(dict.fromkeys(checks, _skip))
        try:
            best_without = max(best_without, await batches_per_s(requests, batch=batch))
        finally:
            namespace.update(checks)
    return best_with, best_without


def _skip(*_: Any, **__: Any) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.edge_validation")
    parser.add_argument("--root", help="another checkout whose collector to measure")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    if args.root:
        sys.path.insert(0, args.root)
    rate = asyncio.run(batches_per_s(args.requests, batch=args.batch))
    where = args.root or "this checkout"
    print(f"{where}: {rate:,.0f} events/s in {args.batch}-event batches, in-process")
    alone = checks_alone(200, batch=args.batch)
    if alone is None:
        return
    per_event = alone / args.batch
    print(f"edge checks alone: {alone:,.0f} µs per batch ({per_event:.2f} µs per event)")
    checked, unchecked = asyncio.run(with_and_without(3, requests=args.requests, batch=args.batch))
    print(
        f"same process, best of 3 alternating: {checked:,.0f} events/s with the checks, "
        f"{unchecked:,.0f} without (ratio {checked / unchecked:.3f})"
    )


if __name__ == "__main__":
    main()
