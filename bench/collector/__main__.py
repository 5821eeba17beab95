"""``make bench``: the collector's throughput and latency, beside two ceilings measured in the
same run — a bare FastAPI endpoint (HTTP cost alone) and a raw aiokafka producer sending the same
payloads (broker cost alone). Prints figures and ratios; never fails on a time.

The servers run as their own processes and the load comes from other processes (the Python client
of ``load.py``, or ``wrk`` with ``--generator wrk``), on loopback only, ports 18550 and 18551.
The collector runs with its defaults and with two workers; ``--variant 'label:ENV=VALUE,…'`` adds
runs with other settings (``BENCH_ROOT=<dir>`` runs another checkout's collector, for before/after).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.collector.generators import Load, run_python, run_wrk, wrk_available
from bench.collector.load import Figures, track_event
from services.collector import repository
from services.collector.sources import hash_key
from shared.database import create_engine, create_session_factory
from shared.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = os.environ.get("KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:9092")
BENCH_KEY = "bench-write-key"
BATCH = 100
BARE_PORT, COLLECTOR_PORT = 18550, 18551


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
def server(
    argv: list[str], port: int, env: dict[str, str], *, ready: str, cwd: Path = ROOT
) -> Iterator[str]:
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
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
    """The broker ceiling, from this process: what the collector's producer settings allow."""
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        values = [json.dumps(track_event(f"raw-{i}", i)).encode() for i in range(BATCH)]

        async def one(index: int) -> int:
            await (await producer.send(topic, values[index % BATCH], key=b"k%d" % (index % 997)))
            return 1

        async def many(index: int) -> int:
            futures = [
                await producer.send(topic, value, key=b"k%d" % ((index + i) % 997))
                for i, value in enumerate(values)
            ]
            await asyncio.gather(*futures)
            return BATCH

        single = await drive("raw aiokafka, 1 event per send", one, concurrency, duration_s)
        many_ = await drive(
            f"raw aiokafka, {BATCH} events per flush", many, concurrency, duration_s
        )
        return [single, many_]
    finally:
        await producer.stop()


async def drive(
    name: str, send: Callable[[int], Awaitable[int]], concurrency: int, duration_s: float
) -> Figures:
    """``concurrency`` tasks call ``send`` back to back; each call returns its event count."""
    latencies: list[float] = []
    events = 0
    deadline = time.perf_counter() + duration_s
    counter = iter(range(10**9))

    async def worker() -> None:
        nonlocal events
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            carried = await send(next(counter))
            # Add after the await: `events += await …` would lose the other tasks' counts.
            events += carried
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Figures(name, events, time.perf_counter() - started, latencies)


def http_runs(url: str, label: str, args: argparse.Namespace, *, auth: str = "") -> list[Figures]:
    figures = []
    for path, batch in (("/v1/track", 1), ("/v1/batch", BATCH)):
        load = Load(url, path, batch, args.concurrency, args.seconds, authorization=auth)
        name = f"{label}, {path}" + (f" x{batch}" if batch > 1 else "")
        if args.generator == "wrk":
            figures.append(run_wrk(name, load, threads=args.processes))
        else:
            figures.append(run_python(name, load, processes=args.processes))
    return figures


def spooled_events(url: str) -> float:
    """Events the collector spooled instead of publishing directly (should be none)."""
    text = httpx.get(f"{url}/metrics", timeout=5).text
    found = re.search(r"^boucle_collector_events_spooled_total (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    label, _, assignments = text.partition(":")
    env = dict(item.split("=", 1) for item in assignments.split(",") if item)
    return label, env


def run_collector(
    label: str, extra: dict[str, str], env: dict[str, str], args: argparse.Namespace
) -> list[Figures]:
    auth = "Basic " + base64.b64encode(f"{BENCH_KEY}:".encode()).decode()
    # BENCH_ROOT=<directory> runs the collector of another checkout (e.g. `git archive` of main).
    root = Path(extra.pop("BENCH_ROOT", ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-spool-") as spool:
        variant_env = {**env, "COLLECTOR__SPOOL__DIR": spool, **extra}
        argv = [sys.executable, "-m", "services.collector"]
        with server(argv, COLLECTOR_PORT, variant_env, ready="/readyz", cwd=root) as url:
            figures = http_runs(url, label, args, auth=auth)
            spooled = spooled_events(url)
    if spooled:
        print(f"  note: {label} spooled {spooled:.0f} events (Kafka slower than the ack timeout)")
    return figures


def ratio(a: Figures, b: Figures) -> str:
    return f"{a.events_per_s / b.events_per_s:.2f}"


def report(
    args: argparse.Namespace,
    raw: list[Figures],
    bare: list[Figures],
    collectors: list[list[Figures]],
) -> None:
    generator = (
        f"wrk, {args.processes} threads"
        if args.generator == "wrk"
        else f"Python raw-asyncio client, {args.processes} processes"
    )
    print(
        f"\nBoucle collector benchmark — {args.concurrency} keep-alive connections, "
        f"{args.seconds:.0f} s per run, load from {generator}.\n"
        f"{os.cpu_count()} cores shared by Kafka, PostgreSQL, the server and the load generator: "
        "figures are relative, not capacity.\n"
    )
    print("\n".join(f.row() for f in [*raw, *bare, *(f for c in collectors for f in c)]))
    print("\nratios (events/s)")
    for figures in collectors:
        label = figures[0].name.rsplit(",", 1)[0]
        print(f"  {label}")
        print(f"    /v1/track ÷ bare FastAPI /v1/track        {ratio(figures[0], bare[0])}")
        print(f"    /v1/batch ÷ bare FastAPI /v1/batch        {ratio(figures[1], bare[1])}")
        print(f"    /v1/track ÷ raw aiokafka 1 per send       {ratio(figures[0], raw[0])}")
        print(f"    /v1/batch ÷ raw aiokafka {BATCH} per flush   {ratio(figures[1], raw[1])}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.collector")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--generator", choices=["python", "wrk"], default="python")
    parser.add_argument("--processes", type=int, default=2, help="load processes (wrk threads)")
    parser.add_argument("--variant", action="append", default=[], help="label:ENV=VALUE,…")
    parser.add_argument("--no-default", action="store_true", help="only the --variant runs")
    args = parser.parse_args()
    if args.generator == "wrk" and not wrk_available():
        parser.error("wrk is not installed (apt-get install wrk)")
    topic = f"bench-{int(time.time())}.tracking.events.v1"
    asyncio.run(prepare(topic))
    env = {
        **os.environ,
        "TOPICS__RAW_EVENTS": topic,
        "LOG__LEVEL": "WARNING",
        # One load generator on loopback is one address and one source: it measures throughput,
        # not the abuse limits, which it would otherwise hit within a second.
        "COLLECTOR__RATE_LIMITS__SOURCE_EVENTS_PER_S": "0",
        "COLLECTOR__RATE_LIMITS__IP_REQUESTS_PER_S": "0",
    }
    env["COLLECTOR__PORT"] = str(COLLECTOR_PORT)
    raw = asyncio.run(raw_producer(topic, concurrency=args.concurrency, duration_s=args.seconds))
    bare_argv = [sys.executable, "-m", "uvicorn", "bench.collector.bare:app"]
    bare_argv += ["--port", str(BARE_PORT), "--log-level", "warning", "--no-access-log"]
    bare_argv += ["--loop", "uvloop", "--http", "httptools"]
    with server(bare_argv, BARE_PORT, env, ready="/docs") as bare_url:
        bare = http_runs(bare_url, "bare FastAPI", args)
    variants: list[tuple[str, dict[str, str]]] = [
        ("collector", {}),
        ("collector, 2 workers", {"COLLECTOR__WORKERS": "2"}),
    ]
    if args.no_default:
        variants = []
    variants += [parse_variant(text) for text in args.variant]
    collectors = [run_collector(label, extra, env, args) for label, extra in variants]
    report(args, raw, bare, collectors)


if __name__ == "__main__":
    main()
