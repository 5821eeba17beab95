"""``python -m bench.attribution_consumer``: the attribution consumer's throughput with every
model, beside a raw aiokafka consumer of the same topic measured in the same run; the raw events
route (ad costs found by a byte pre-filter) beside the same raw consumer; the fitted models'
re-solve from the counts the run built; and report latency at 1,000,000 stored conversions
(generated with bulk SQL, bench/attribution_reports.py). Its own database and topics on the real
broker and PostgreSQL. Prints figures and ratios; never fails on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import CollectorRegistry

from bench import attribution_reports
from bench.attribution_stream import journeys, raw_events
from services.attribution.__main__ import build
from services.attribution.settings import AttributionSettings
from shared.broker import KafkaBroker
from shared.consumer import BatchConsumer, LoopParts
from shared.database import create_engine, create_session_factory
from shared.metrics import ConsumerMetrics
from shared.producer import EventProducer
from shared.service import Resources, utc_now
from shared.settings import ConsumerSettings, DatabaseSettings, TopicSettings
from shared.store import SqlStore
from tests import infra


@dataclass(frozen=True, slots=True)
class Run:
    label: str
    records: int
    seconds: float
    # Seconds spent in each stage of the batches (the consumer's stage histogram): decode,
    # apply (its load, rules and write), commit, publish.
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.records / self.seconds


async def produce(topic: str, records: Sequence[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=infra.BOOTSTRAP, acks="all", linger_ms=5)
    await producer.start()
    try:
        for start in range(0, len(records), 5000):
            sent = [
                producer.send(topic, v, key=k.encode()) for k, v in records[start : start + 5000]
            ]
            await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def raw_consumer(topic: str, total: int, *, label: str) -> Run:
    """The ceiling: a group member reading every record, committing per batch, doing nothing."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=infra.BOOTSTRAP,
        group_id=infra.unique("bench-raw"),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < total:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            seen += sum(len(records) for records in batch.values())
            if batch:
                await consumer.commit()
        return Run(label, seen, time.perf_counter() - started)
    finally:
        await consumer.stop()


def settings_for(database: str, topics: TopicSettings, *, max_records: int) -> AttributionSettings:
    return AttributionSettings.model_validate(
        {
            "database": DatabaseSettings(url=infra.database_url(database), pool_size=3),
            "topics": topics,
            "attribution": {
                "consumer": {"group_id": infra.unique("bench-attr"), "max_records": max_records},
                # Re-solves are timed separately below; keep them off the throughput run.
                "fitting": {"period_s": 3600, "restate_period_s": 3600},
            },
        }
    )


async def attribution_consumer(
    settings: AttributionSettings, *, total: int, topics: Sequence[str], label: str
) -> Run:
    """The real loop on the real broker and database: decode, handlers, outbox, publish."""
    engine = create_engine(settings.database)
    sessions = create_session_factory(engine)
    producer = EventProducer(settings.kafka, client_id="bench-attribution")
    await producer.start()
    registry = CollectorRegistry()
    parts = build(settings, Resources(sessions=sessions, registry=registry, clock=utc_now))
    routes = [route for route in parts.routes if route.topic in topics]
    options = settings.attribution.consumer
    metrics = ConsumerMetrics("attribution", registry)
    consumer = BatchConsumer(
        routes,
        LoopParts(
            broker=KafkaBroker(settings.kafka, options),
            store=SqlStore(sessions, outbox_table=parts.outbox, jobs_table=parts.jobs_table),
            sink=producer,
            metrics=metrics,
            clock=utc_now,
        ),
        service="attribution",
        dead_letter_topic=settings.topics.dead_letter,
        settings=ConsumerSettings.model_validate(options.model_dump()),
        jobs=[],
    )
    stop = asyncio.Event()
    started = time.perf_counter()
    running = asyncio.create_task(consumer.run(stop))
    try:
        while sum(metrics.processed.labels(t)._value.get() for t in topics) < total:
            if running.done():
                running.result()
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        await running
        await producer.stop()
        await engine.dispose()
    return Run(label, total, seconds, stage_seconds(registry))


def stage_seconds(registry: CollectorRegistry) -> dict[str, float]:
    found: dict[str, float] = {}
    for family in registry.collect():
        if family.name == "boucle_attribution_batch_stage_duration_seconds":
            for sample in family.samples:
                if sample.name.endswith("_sum"):
                    found[sample.labels["stage"]] = sample.value
    return found


async def refit(settings: AttributionSettings) -> dict[str, float]:
    """The refit job over the counts the run built, and one restatement chunk after it."""
    engine = create_engine(settings.database)
    sessions = create_session_factory(engine)
    parts = build(
        settings, Resources(sessions=sessions, registry=CollectorRegistry(), clock=utc_now)
    )
    jobs = {job.name: job for job in parts.jobs}
    figures: dict[str, float] = {}
    for name in ("refit", "restate-fitted"):
        async with sessions() as session, session.begin():
            started = time.perf_counter()
            await jobs[name].run(session, utc_now())
            figures[name] = time.perf_counter() - started
    await engine.dispose()
    return figures


def show(runs: Sequence[Run], baseline: Run) -> None:
    for run in runs:
        print(
            f"  {run.label:<46} {run.records:>8,} records {run.seconds:7.2f} s "
            f"{run.rate:>9,.0f} records/s   ÷ raw {run.rate / baseline.rate:.3f}"
        )
        if run.stages:
            split = ", ".join(
                f"{stage} {seconds:.2f} s ({seconds / run.seconds:.0%})"
                for stage, seconds in sorted(run.stages.items(), key=lambda item: -item[1])
            )
            print(
                f"    where the time went (the handler's load, rules, write are in apply): {split}"
            )


async def main(args: argparse.Namespace) -> None:
    database = infra.unique("boucle_bench_attr")
    await infra.admin_sql(f'CREATE DATABASE "{database}"')
    infra.migrate(infra.database_url(database))
    topics = await infra.create_topics(infra.unique("bench"), partitions=3)
    try:
        stream = journeys(args.persons)
        print(
            f"journeys: {len(stream.records):,} records for {stream.persons:,} persons, "
            f"{stream.conversions:,} conversions; all ten models"
        )
        await produce(topics.journeys, stream.records)
        raw = raw_events(args.raw_events)
        await produce(topics.raw_events, raw)
        baseline = await raw_consumer(
            topics.journeys, len(stream.records), label="raw aiokafka consumer"
        )
        runs = [baseline]
        for size in args.max_records:
            settings = settings_for(database, topics, max_records=size)
            label = f"attribution consumer, {size} records a batch"
            runs.append(
                await attribution_consumer(
                    settings, total=len(stream.records), topics=[topics.journeys], label=label
                )
            )
            await reset(database)
        show(runs, baseline)
        raw_baseline = await raw_consumer(
            topics.raw_events, len(raw), label="raw aiokafka consumer"
        )
        settings = settings_for(database, topics, max_records=500)
        raw_run = await attribution_consumer(
            settings,
            total=len(raw),
            topics=[topics.raw_events],
            label="attribution raw events route",
        )
        print(f"raw events: {len(raw):,}, 5 % Ad Clicked with a cost")
        show([raw_baseline, raw_run], raw_baseline)
        await attribution_consumer(
            settings_for(database, topics, max_records=2000),
            total=len(stream.records),
            topics=[topics.journeys],
            label="counts for the re-solve",
        )
        solved = await refit(settings)
        print(
            f"re-solve markov and shapley from the run's counts: {solved['refit'] * 1e3:.1f} ms; "
            f"restating one chunk after it: {solved['restate-fitted'] * 1e3:.1f} ms"
        )
    finally:
        await infra.admin_sql(f'DROP DATABASE IF EXISTS "{database}"')
    if args.conversions:
        await attribution_reports.run(conversions=args.conversions, requests=args.requests)


async def reset(database: str) -> None:
    """Empties what the attribution derived, so each run starts from the same place."""
    engine = create_engine(DatabaseSettings(url=infra.database_url(database), pool_size=1))
    async with create_session_factory(engine)() as session, session.begin():
        await session.execute(attribution_reports.truncate_all())
    await engine.dispose()


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(prog="python -m bench.attribution_consumer")
    command.add_argument("--persons", type=int, default=20_000)
    command.add_argument("--raw-events", type=int, default=100_000)
    command.add_argument("--max-records", type=int, nargs="+", default=[500, 2000])
    command.add_argument("--conversions", type=int, default=1_000_000, help="0: no report run")
    command.add_argument("--requests", type=int, default=200, help="per report shape")
    return command


if __name__ == "__main__":
    asyncio.run(main(parser().parse_args()))
