"""``make bench``: the collector's throughput and latency, beside two ceilings measured in the
same run — a bare FastAPI endpoint (HTTP cost alone) and a raw aiokafka producer sending the same
payloads (broker cost alone). Prints figures and ratios; never fails on a time.

The servers run as their own processes; this process generates the load, on loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.collector.load import Figures, drive, http_sender, summary, track_event
from services.collector import repository
from services.collector.sources import hash_key
from shared.database import create_engine, create_session_factory
from shared.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = os.environ.get("KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:9092")
BENCH_KEY = "bench-write-key"
BATCH = 100


async def prepare(topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 3, 1)])
    finally:
        await admin.close()
    engine = create_engine(DatabaseSettings())
    async with create_session_factory(engine)() as session, session.begin():
        await repository.put_source(
            session, source_id="bench", name="bench", kind="server", key_hash=hash_key(BENCH_KEY)
        )
    await engine.dispose()


@contextmanager
def server(argv: list[str], port: int, env: dict[str, str], *, ready: str) -> Iterator[str]:
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}{ready}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv} did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


async def raw_producer(topic: str, *, concurrency: int, duration_s: float) -> list[Figures]:
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        payload = [json.dumps(track_event(i)).encode() for i in range(BATCH)]

        async def one(index: int) -> int:
            await (await producer.send(topic, payload[index % BATCH], key=b"k%d" % (index % 997)))
            return 1

        async def many(index: int) -> int:
            futures = [
                await producer.send(topic, value, key=b"k%d" % ((index + i) % 997))
                for i, value in enumerate(payload)
            ]
            await asyncio.gather(*futures)
            return BATCH

        return [
            await drive(
                "raw aiokafka, 1 event per send",
                one,
                concurrency=concurrency,
                duration_s=duration_s,
            ),
            await drive(
                f"raw aiokafka, {BATCH} events per flush",
                many,
                concurrency=concurrency,
                duration_s=duration_s,
            ),
        ]
    finally:
        await producer.stop()


async def http_load(
    url: str, label: str, *, concurrency: int, duration_s: float, auth: tuple[str, str] | None
) -> list[Figures]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, auth=auth, limits=limits, timeout=30) as client:
        await http_sender(client, "/v1/track", batch=1)(0)  # warm-up
        return [
            await drive(
                f"{label}, /v1/track",
                http_sender(client, "/v1/track", batch=1),
                concurrency=concurrency,
                duration_s=duration_s,
            ),
            await drive(
                f"{label}, /v1/batch x{BATCH}",
                http_sender(client, "/v1/batch", batch=BATCH),
                concurrency=concurrency,
                duration_s=duration_s,
            ),
        ]


def ratio(a: Figures, b: Figures) -> str:
    return f"{a.events_per_s / b.events_per_s:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.collector")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    topic = f"bench-{int(time.time())}.tracking.events.v1"
    asyncio.run(prepare(topic))
    env = {
        **os.environ,
        "COLLECTOR__PORT": "18101",
        "TOPICS__RAW_EVENTS": topic,
        "LOG__LEVEL": "WARNING",
        # One load generator on loopback is one address and one source: it measures throughput,
        # not the abuse limits, which it would otherwise hit within a second.
        "COLLECTOR__RATE_LIMITS__SOURCE_EVENTS_PER_S": "0",
        "COLLECTOR__RATE_LIMITS__IP_REQUESTS_PER_S": "0",
    }
    load = {"concurrency": args.concurrency, "duration_s": args.seconds}
    raw = asyncio.run(raw_producer(topic, **load))
    with server(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.collector.bare:app",
            "--port",
            "18100",
            "--log-level",
            "warning",
        ],
        18100,
        env,
        ready="/docs",
    ) as bare_url:
        bare = asyncio.run(http_load(bare_url, "bare FastAPI", auth=None, **load))
    with server(
        [sys.executable, "-m", "services.collector"], 18101, env, ready="/readyz"
    ) as collector_url:
        collector = asyncio.run(http_load(collector_url, "collector", auth=(BENCH_KEY, ""), **load))
    print(
        f"\nBoucle collector benchmark — {args.concurrency} concurrent clients, "
        f"{args.seconds:.0f} s per run, {os.cpu_count()} cores, one process each\n"
    )
    print(summary([*raw, *bare, *collector]))
    print("\nratios (events/s)")
    print(f"  collector /v1/track  ÷ bare FastAPI /v1/track    {ratio(collector[0], bare[0])}")
    print(f"  collector /v1/batch  ÷ bare FastAPI /v1/batch    {ratio(collector[1], bare[1])}")
    print(f"  collector /v1/track  ÷ raw aiokafka 1 per send   {ratio(collector[0], raw[0])}")
    print(f"  collector /v1/batch  ÷ raw aiokafka {BATCH} per flush {ratio(collector[1], raw[1])}")


if __name__ == "__main__":
    main()
