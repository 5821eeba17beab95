"""Payloads, figures, and the Python load generator: a raw-asyncio HTTP/1.1 keep-alive client run
as ``python -m bench.collector.load`` in worker processes of its own, on loopback only.

Every event carries a messageId of its own (``@ID@`` in a body template is replaced per request),
since the collector answers repeated ids without publishing them again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import uvloop

ID_MARK = "@ID@"


@dataclass(frozen=True)
class Figures:
    name: str
    events: int
    seconds: float
    latencies_s: list[float] = field(repr=False)
    # Set when a generator reports percentiles itself (wrk) rather than every latency.
    p50_s: float | None = None
    p99_s: float | None = None

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Milliseconds."""
        given = {0.5: self.p50_s, 0.99: self.p99_s}.get(q)
        if given is not None:
            return given * 1000
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def row(self) -> str:
        return (
            f"{self.name:<46} {self.events_per_s:>9,.0f} ev/s   "
            f"p50 {self.percentile(0.5):>7.2f} ms   p99 {self.percentile(0.99):>7.2f} ms"
        )


def track_event(message_id: str, index: int = 0) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Product Viewed",
        "messageId": message_id,
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


def body_template(batch: int) -> str:
    """A request body whose messageIds are ``@ID@`` marks: one event, or ``{"batch": […]}``."""
    if batch == 1:
        return json.dumps(track_event(ID_MARK, 1), separators=(",", ":"))
    events = [track_event(ID_MARK, i) for i in range(batch)]
    return json.dumps({"batch": events}, separators=(",", ":"))


class BodyMaker:
    """Fills a template's marks with ids unique to this process: ``<prefix>-<n>``."""

    def __init__(self, template: str, prefix: str) -> None:
        self.parts = [part.encode() for part in template.split(ID_MARK)]
        self.prefix = prefix
        self.count = 0

    def __call__(self) -> bytes:
        ids = []
        for _ in range(len(self.parts) - 1):
            self.count += 1
            ids.append(f"{self.prefix}-{self.count}".encode())
        out = [self.parts[0]]
        for mid, part in zip(ids, self.parts[1:], strict=True):
            out += (mid, part)
        return b"".join(out)


async def _connection(
    url: str,
    path: str,
    make_body: BodyMaker,
    *,
    headers: bytes,
    deadline: float,
    latencies: list[float],
) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n".encode() + headers
    try:
        while time.perf_counter() < deadline:
            body = make_body()
            started = time.perf_counter()
            writer.write(b"%scontent-length: %d\r\n\r\n%s" % (head, len(body), body))
            status, _ = await _response(reader)
            if status >= 300:
                raise RuntimeError(f"{path} answered {status}")
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _run(args: argparse.Namespace) -> list[float]:
    template = body_template(args.batch)
    extra = b"content-type: application/json\r\n"
    if args.authorization:
        extra += f"authorization: {args.authorization}\r\n".encode()
    latencies: list[float] = []
    deadline = time.perf_counter() + args.seconds
    await asyncio.gather(
        *(
            _connection(
                args.url,
                args.path,
                BodyMaker(template, f"{args.prefix}-{os.getpid()}-{c}"),
                headers=extra,
                deadline=deadline,
                latencies=latencies,
            )
            for c in range(args.connections)
        )
    )
    return latencies


def main() -> None:
    """One load process: prints its latencies (seconds) as a JSON list on stdout."""
    parser = argparse.ArgumentParser(prog="python -m bench.collector.load")
    parser.add_argument("url")
    parser.add_argument("path")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--authorization", default="")
    parser.add_argument("--prefix", default="bench")
    args = parser.parse_args()
    latencies = uvloop.run(_run(args))
    json.dump(latencies, sys.stdout)


if __name__ == "__main__":
    main()
