"""The order of one run: backlog, ceilings and peer, drains per variant, latency runs.

A run that fails (a service that exits, a read API that refuses the benchmark) is reported and
the next one goes on; only a time is never a failure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Awaitable
from typing import TypeVar

from bench.pipeline.backlog import write_backlog
from bench.pipeline.ceilings import ceilings
from bench.pipeline.context import Bench, Variant
from bench.pipeline.drain import DrainResult, drain_consumer
from bench.pipeline.latency import LatencyPlan, ReadApiRefused, run_latency
from bench.pipeline.peer import drain_peer
from bench.pipeline.results import Results
from bench.pipeline.stream import StreamSpec, plan
from shared.events import JourneyRecord, TrackingEvent

T = TypeVar("T")


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


async def attempt(results: Results, what: str, step: Awaitable[T]) -> T | None:
    say(what)
    try:
        return await step
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        results.failures.append(f"{what}: {exc}")
        say(f"  failed: {exc}")
        return None


async def run_all(
    bench: Bench,
    args: argparse.Namespace,
    spec: StreamSpec,
    variants: list[Variant],
    results: Results,
) -> None:
    if not (args.no_drain and args.no_peer and args.no_ceilings):
        await prepare_backlog(bench, spec)
    if not args.no_ceilings:
        results.ceilings["raw"] = await ceilings(
            bench.broker, bench.raw_topic, schema=TrackingEvent, label="raw events"
        )
    if not args.no_peer:
        results.peer = await attempt(
            results, "quixstreams peer", drain_peer(bench, timeout_s=args.drain_timeout)
        )
    if not args.no_drain:
        for variant in variants:
            await drain_variant(bench, args, variant, results)
    if not args.no_latency:
        await latency_runs(bench, args, variants, results)


async def prepare_backlog(bench: Bench, spec: StreamSpec) -> None:
    say(f"backlog: planning {spec.events:,} events")
    events = plan(spec)
    bench.raw_topic = f"{bench.topic_prefix}.tracking.events.v1"
    await bench.broker.create_topics([bench.raw_topic], partitions=bench.partitions)
    started = time.perf_counter()
    written = await write_backlog(bench.broker, bench.raw_topic, events)
    say(f"backlog: {written:,} events written in {time.perf_counter() - started:.1f} s")


async def drain_variant(
    bench: Bench, args: argparse.Namespace, variant: Variant, results: Results
) -> None:
    consumers = [name.strip() for name in args.consumers.split(",") if name.strip()]
    instances = [int(n) for n in args.instances.split(",")]
    journeys: str | None = None
    for consumer in ("sessionizer", "feedback"):
        for count in instances if consumer in consumers else []:
            done = await _drain(bench, args, variant, results, consumer, count, bench.raw_topic)
            if done is not None and consumer == "sessionizer" and journeys is None:
                journeys = done.output_topic
    if "attribution" not in consumers:
        return
    if journeys is None:
        results.failures.append(f"attribution [{variant.label}]: no sessionizer run made journeys")
        return
    if not args.no_ceilings and "journeys" not in results.ceilings:
        results.ceilings["journeys"] = await ceilings(
            bench.broker, journeys, schema=JourneyRecord, label="journeys"
        )
    for count in instances:
        await _drain(bench, args, variant, results, "attribution", count, journeys)


async def _drain(
    bench: Bench,
    args: argparse.Namespace,
    variant: Variant,
    results: Results,
    consumer: str,
    instances: int,
    topic: str,
) -> DrainResult | None:
    step = drain_consumer(
        bench,
        variant,
        consumer,
        instances=instances,
        input_topic=topic,
        timeout_s=args.drain_timeout,
    )
    done = await attempt(results, f"drain {consumer} x{instances} [{variant.label}]", step)
    if done is not None:
        results.drains.append(done)
        p = done.progress
        say(f"  {p.last[1]:,} of {p.total:,} records, {p.rate:,.1f} records/s")
    return done


async def latency_runs(
    bench: Bench, args: argparse.Namespace, variants: list[Variant], results: Results
) -> None:
    rates = [float(rate) for rate in args.rates.split(",")]
    for variant in variants:
        for count in [int(n) for n in args.instances.split(",")]:
            for rate in rates:
                plan_ = LatencyPlan(
                    rate, args.seconds, count, args.batch, args.markers_per_s, args.settle
                )
                what = f"latency {rate:,.0f} ev/s, consumers x{count} [{variant.label}]"
                try:
                    done = await attempt(results, what, run_latency(bench, variant, plan_))
                except ReadApiRefused as exc:
                    results.failures.append(f"{what}: {exc}")
                    return  # every further run would be refused the same way
                if done is not None:
                    results.latency.append(done)
                    credits, cases = len(done.credit_s), len(done.case_s)
                    say(f"  markers seen: {credits} credits, {cases} cases of {done.markers}")
