"""``python -m bench.pipeline`` (``make bench-pipeline``): the whole pipeline's throughput and
latency, beside ceilings and a peer measured in the same run. Prints tables and ratios
(``--json FILE`` for the figures); never fails on a time.

1. A seeded mixed stream (``stream.py``) is enriched as the collector would and written to a
   raw topic of its own with a raw producer: the prepared backlog.
2. Drain: each consumer alone (sessionizer and feedback on the backlog, attribution on the
   journeys the sessionizer produced), one and two instances in one group, on fresh groups and
   databases; a raw aiokafka consumer of the same topics; a quixstreams session-window job.
3. Latency: the collector and every consumer running, load offered at fixed rates; markers
   timed from their POST to their credit and case in the read APIs; lag over the run.

Services are processes (``python -m services.<name>``) on ports 18600-18699, configured by
environment variables only, on the shared broker and PostgreSQL; topics start with
``benchp-<random>``, databases with ``bench_<random>``, and all are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.pipeline import phases, stack
from bench.pipeline.broker import Broker
from bench.pipeline.context import Bench, Variant
from bench.pipeline.report import report
from bench.pipeline.results import Results, to_json
from bench.pipeline.stream import StreamSpec

BOOTSTRAP = os.environ.get("KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:9092")
CONSUMERS = ("sessionizer", "feedback", "attribution")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline")
    add = parser.add_argument
    add("--events", type=int, default=50_000, help="backlog size (the issue's peer: 300000)")
    add("--visitors", type=int, default=0, help="default: events / 15 (the issue's: 20000)")
    add("--seed", type=int, default=7)
    add("--partitions", type=int, default=3)
    add("--consumers", default=",".join(CONSUMERS), help="which consumers to drain")
    add("--instances", default="1,2", help="instances per consumer, e.g. 1 or 1,2")
    add("--drain-timeout", type=float, default=300.0, help="seconds per drain run at most")
    add("--rates", default="500,1000,2000", help="offered events/s of the latency runs")
    add("--seconds", type=float, default=60.0, help="seconds per latency run")
    add("--batch", type=int, default=20, help="events per POST in the latency runs")
    add("--markers-per-s", type=float, default=2.0)
    add("--settle", type=float, default=20.0, help="seconds to wait for markers after a run")
    add("--quick", action="store_true", help="10,000 events, 10 s runs, shorter limits")
    add("--no-drain", action="store_true")
    add("--no-ceilings", action="store_true")
    add("--no-peer", action="store_true")
    add("--no-latency", action="store_true")
    add("--variant", action="append", default=[], help="label:BENCH_ROOT=<dir>,ENV=VALUE,…")
    add("--no-default", action="store_true", help="only the --variant runs")
    add("--keep", action="store_true", help="keep topics, databases and logs")
    add("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.seconds = min(args.events, 10_000), min(args.seconds, 10.0)
        args.drain_timeout, args.settle = min(args.drain_timeout, 60.0), min(args.settle, 10.0)
    return args


def variants(args: argparse.Namespace) -> list[Variant]:
    chosen = [] if args.no_default else [Variant("main")]
    return chosen + [Variant.parse(text) for text in args.variant]


def commit_of(root: Path) -> str:
    argv = ["git", "-C", str(root), "log", "-1", "--format=%h %cs"]
    found = subprocess.run(argv, capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


async def run(
    args: argparse.Namespace, spec: StreamSpec, chosen: list[Variant], results: Results
) -> None:
    logs = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    bench = Bench(Broker(BOOTSTRAP), logs, partitions=args.partitions)
    print(f"logs in {logs}", file=sys.stderr)
    try:
        await phases.run_all(bench, args, spec, chosen, results)
    finally:
        if not args.keep:
            await bench.clean()
            if not results.failures:  # a failed run's logs say why
                shutil.rmtree(logs, ignore_errors=True)


def header_of(args: argparse.Namespace, spec: StreamSpec, chosen: list[Variant]) -> dict[str, Any]:
    duplicates = round(spec.events * spec.duplicate_share)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": "; ".join(f"{v.label} {commit_of(v.root)}" for v in chosen),
        "events": spec.events,
        "visitors": spec.visitor_count,
        "seed": spec.seed,
        # As plan() draws them: late events are a share of those before duplicates are added.
        "duplicates": duplicates,
        "late": round((spec.events - duplicates) * spec.late_share),
        "partitions": args.partitions,
        "cores": os.cpu_count(),
    }


def main() -> None:
    args = parse_args()
    try:
        chosen = variants(args)
    except ValueError as exc:
        sys.exit(f"python -m bench.pipeline: {exc}")
    spec = StreamSpec(events=args.events, visitors=args.visitors, seed=args.seed)
    results = Results(header_of(args, spec, chosen))
    started = time.monotonic()
    # SIGTERM unwinds like Ctrl-C, and Ctrl-C works even where a shell started us ignoring it.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        asyncio.run(run(args, spec, chosen, results))
    except KeyboardInterrupt:
        sys.exit("interrupted: every process it started is stopped")
    finally:
        stack.halt_leftovers()
    results.header["elapsed_s"] = round(time.monotonic() - started)
    print("\n".join(report(results)))
    if args.json:
        args.json.write_text(json.dumps(to_json(results), indent=2, default=str))
    # A time is never a failure; a service that crashed or refused the benchmark is.
    sys.exit(1 if results.failures else 0)


if __name__ == "__main__":
    main()
