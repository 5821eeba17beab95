"""The offered load of the latency phase, as a process of its own:
``python -m bench.pipeline.offer URL --rate R --seconds S …``.

It POSTs the generated stream to the collector's ``/v1/batch`` in small batches on a fixed
schedule (an open loop: batch ``i`` leaves at ``i * batch / rate`` seconds, on whichever
keep-alive connection is free; if none is, it leaves late and the lateness is reported). Event
times are the time of sending, less the planned delay of late events. Markers ride along:
``markers_per_s`` times a second, a visitor landing from a campaign of its own, ordering at once
and answering NPS 0 — the benchmark watches the read APIs for each. Prints one JSON object: what
was sent, the POST latencies, and when each marker's request left (epoch seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import uvloop

from bench.pipeline.stream import PlannedEvent, StreamSpec, plan

SITE = "https://shop.example"


def marker_tokens(tag: str, count: int) -> list[str]:
    # The closing "z" keeps one token from being a prefix of another (x1z is not in x10z).
    return [f"mk{tag}x{n}z" for n in range(count)]


def marker_messages(token: str, now: datetime) -> list[dict[str, Any]]:
    """A landing from campaign ``token``, an order a second later, and an NPS detractor."""
    landed = _iso(now - timedelta(seconds=1))
    page_url = f"{SITE}/?utm_source=bench&utm_medium=cpc&utm_campaign={token}"
    person = {"anonymousId": token, "context": {"page": {"url": page_url}}}
    return [
        {"type": "page", "messageId": f"{token}-l", "timestamp": landed, **person},
        {
            "type": "track",
            "event": "Order Completed",
            "messageId": f"{token}-o",
            "userId": token,
            "properties": {"revenue": 1, "currency": "EUR"},
            **person,
        },
        {
            "type": "track",
            "event": "NPS Submitted",
            "messageId": f"{token}-f",
            "userId": token,
            "properties": {"score": 0, "comment": f"marker {token}"},
            **person,
        },
    ]


def timed_now(event: PlannedEvent, now: datetime) -> dict[str, Any]:
    """The message sent now: no clock of its own, unless it is late by its planned delay."""
    message = {k: v for k, v in event.message.items() if k not in ("timestamp", "sentAt")}
    if event.late:
        message["timestamp"] = _iso(now - (event.arrives_at - event.occurred_at))
    return message


class Poster:
    """One keep-alive HTTP/1.1 connection posting JSON bodies."""

    def __init__(self, url: str, authorization: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.head = (
            f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"content-type: application/json\r\nauthorization: {authorization}\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> int:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(b"%scontent-length: %d\r\n\r\n%s" % (self.head, len(body), body))
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.split(b"\r\n")
        length = next(
            (
                int(v)
                for n, _, v in (ln.partition(b":") for ln in lines[1:])
                if n.lower() == b"content-length"
            ),
            0,
        )
        await self.reader.readexactly(length)
        return int(lines[0].split(b" ", 2)[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Offer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        total = max(1, int(args.rate * args.seconds))
        self.events = plan(StreamSpec(events=total, seed=args.seed, tag=args.tag))
        self.tokens = marker_tokens(args.tag, int(args.seconds * args.markers_per_s))
        self.auth = "Basic " + base64.b64encode(f"{args.write_key}:".encode()).decode()
        self.idle: asyncio.Queue[Poster] = asyncio.Queue()
        for _ in range(args.connections):
            self.idle.put_nowait(self._poster())
        self.latencies: list[float] = []
        self.marker_sent: dict[str, float] = {}
        self.statuses: dict[int, int] = {}
        self.sent = 0
        self.behind_s = 0.0
        self.started_at = 0.0

    def _poster(self) -> Poster:
        return Poster(self.args.url + "/v1/batch", self.auth)

    async def run(self) -> dict[str, Any]:
        batch = self.args.batch
        slots = (len(self.events) + batch - 1) // batch
        started, self.started_at = time.perf_counter(), time.time()
        tasks = []
        for slot in range(slots):
            due = started + slot * batch / self.args.rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            poster = await self.idle.get()
            self.behind_s = max(self.behind_s, time.perf_counter() - due)
            chunk = self.events[slot * batch : (slot + 1) * batch]
            tasks.append(
                asyncio.create_task(self._send(poster, chunk, self._markers_for(slot, slots)))
            )
        await asyncio.gather(*tasks)
        return self._summary(time.perf_counter() - started)

    def _markers_for(self, slot: int, slots: int) -> list[str]:
        """The markers whose turn falls in this slot, spread evenly over the run."""
        count = len(self.tokens)
        return [self.tokens[n] for n in range(count) if int(n * slots / count) == slot]

    async def _send(self, poster: Poster, chunk: list[PlannedEvent], markers: list[str]) -> None:
        now = datetime.now(UTC)
        messages = [timed_now(event, now) for event in chunk]
        for token in markers:
            messages += marker_messages(token, now)
        body = json.dumps({"batch": messages}, separators=(",", ":")).encode()
        began, wall = time.perf_counter(), time.time()
        for token in markers:
            self.marker_sent[token] = wall
        try:
            status = await poster.post(body)
        except (OSError, asyncio.IncompleteReadError):
            poster.close()
            status, poster = 0, self._poster()  # counted as status 0; the next send reconnects
        self.latencies.append(time.perf_counter() - began)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.sent += len(messages) if 200 <= status < 300 else 0
        self.idle.put_nowait(poster)

    def _summary(self, seconds: float) -> dict[str, Any]:
        return {
            "events": self.sent,
            "seconds": seconds,
            "started_at": self.started_at,
            "statuses": self.statuses,
            "behind_s": self.behind_s,
            "latencies": self.latencies,
            "markers": self.marker_sent,
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline.offer")
    parser.add_argument("url")
    parser.add_argument("--write-key", required=True)
    parser.add_argument("--rate", type=float, required=True, help="events per second")
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--markers-per-s", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--tag", required=True)
    args = parser.parse_args()
    offer = Offer(args)
    json.dump(uvloop.run(offer.run()), sys.stdout)


if __name__ == "__main__":
    main()
