"""``python -m bench.sessionizer``: the sessionizer's events/s through the real consumer loop on
the real broker and database, beside a raw aiokafka consumer reading the same topic in the same
run (the ceiling). Prints figures, the stage split from the service's own metrics, and ratios;
never fails on a time.

Each run gets a fresh database (``bench_<random>``, migrated by its checkout's Alembic), its own
output topics and consumer group, and the sessionizer as its own process on port 18560, started
after the stream was produced; a run's time is from its group's first offset commit to its last.
``--variant 'label:ENV=VALUE,…'`` adds runs with other settings; ``BENCH_ROOT=<dir>`` runs
another checkout's sessionizer (before/after in one run) and ``BENCH_EVENTS=<n>`` a smaller stream
(a slow checkout would take minutes over the default one); ``BENCH_PROFILE=<file>`` runs the
sessionizer under cProfile and writes its profile there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from bench.sessionizer.runs import (
    Figures,
    Run,
    Topic,
    produce_stream,
    raw_consumer,
    run_service,
)
from bench.sessionizer.stream import stream
from services.sessionizer.settings import SessionizerConsumer

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("decode", "load", "rules", "write", "apply", "commit", "publish")


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    label, _, assignments = text.partition(":")
    env = dict(item.split("=", 1) for item in assignments.split(",") if item)
    return label, env


async def topic_of(topics: dict[int, Topic], count: int, args: argparse.Namespace) -> Topic:
    """The raw topic holding a stream of ``count`` events, produced once per size."""
    if count not in topics:
        arrivals = stream(count, seed=args.seed)
        name = f"{args.prefix}.n{count}.tracking.events.v1"
        topics[count] = await produce_stream(name, arrivals, partitions=args.partitions)
    return topics[count]


def print_run(figures: Figures) -> None:
    print(figures.row())
    if figures.stages:
        split = "  ".join(
            f"{stage} {figures.stages[stage] * 1000:.1f}"
            for stage in STAGES
            if stage in figures.stages
        )
        print(f"    ms per batch: {split}   (mean batch {figures.mean_batch:.0f} records)")
    if figures.rows:
        rows = "  ".join(f"{table} {mean:.0f}" for table, mean in sorted(figures.rows.items()))
        print(f"    rows per statement: {rows}")


def median(runs: list[Figures]) -> Figures:
    return sorted(runs, key=lambda figures: figures.events_per_s)[len(runs) // 2]


async def bench(args: argparse.Namespace) -> None:
    topics: dict[int, Topic] = {}
    variants: list[tuple[str, dict[str, str]]] = [] if args.no_default else [("sessionizer", {})]
    variants += [parse_variant(text) for text in args.variant]
    main_topic = await topic_of(topics, args.events, args)
    print(
        f"\nBoucle sessionizer benchmark — seed {args.seed}, {args.partitions} partitions, "
        f"{args.runs} round(s); {os.cpu_count()} cores shared by Kafka, PostgreSQL and the "
        "consumer: figures are relative, not capacity.\n"
    )
    max_records = args.max_records or SessionizerConsumer().max_records
    ceilings: list[Figures] = []
    results: dict[str, list[Figures]] = {label: [] for label, _ in variants}
    for _ in range(args.runs):  # rounds interleave the variants, so drift hits them alike
        ceilings.append(await raw_consumer(main_topic, max_records=max_records))
        print_run(ceilings[-1])
        for label, extra in variants:
            figures = await run_service(await run_of(label, dict(extra), topics, args))
            print_run(figures)
            results[label].append(figures)
    report(median(ceilings), {label: median(runs) for label, runs in results.items()})


async def run_of(
    label: str, env: dict[str, str], topics: dict[int, Topic], args: argparse.Namespace
) -> Run:
    count = int(env.pop("BENCH_EVENTS", args.events))
    root = Path(env.pop("BENCH_ROOT", ROOT))
    if args.max_records:
        env.setdefault("SESSIONIZER__CONSUMER__MAX_RECORDS", str(args.max_records))
    profile = env.pop("BENCH_PROFILE", None)
    topic = await topic_of(topics, count, args)
    return Run(label, topic, root, env, prefix=args.prefix, profile=profile)


def report(ceiling: Figures, results: dict[str, Figures]) -> None:
    print("\nmedians and ratios (events/s)")
    first = next(iter(results.values()), None)
    for figures in results.values():
        line = f"  {figures.name:<44} {figures.events_per_s:>9,.0f} ev/s"
        line += f"   ÷ raw consumer {figures.events_per_s / ceiling.events_per_s:.3f}"
        if first is not None and figures is not first:
            line += f"   ÷ {first.name} {figures.events_per_s / first.events_per_s:.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sessionizer")
    parser.add_argument("--events", type=int, default=50_000, help="distinct events per stream")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="rounds of every run; medians")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument(
        "--max-records", type=int, default=0, help="records per fetch (default: the service's)"
    )
    parser.add_argument("--variant", action="append", default=[], help="label:ENV=VALUE,…")
    parser.add_argument("--no-default", action="store_true", help="only the --variant runs")
    args = parser.parse_args()
    args.prefix = f"bench-sess-{int(time.time())}"
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
