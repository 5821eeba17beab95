"""``python -m bench.feedback_consumer``: records per second through the feedback consumer, on
the real broker and database, beside a raw aiokafka consumer of the same topic in the same run.

The stream is raw events of which a share (``--feedback``, 5 % by default) is feedback: NPS and
CSAT answers, a quarter of them negative, most with a comment, from people of whom half are
known to the identity graph (links and touchpoints loaded first, not timed). Everything else is
page views and track calls the consumer must skip. The consumer is the one ``__main__`` wires
(its handlers, jobs, the neutral text reader), run by the kit's loop in this process. The stage
times the loop reports (decode, the handlers' load / rules / write, commit, publish) say where
the time goes. Prints figures and ratios; never fails on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.feedback_stream import Stream, stream
from services.feedback.__main__ import build
from services.feedback.consumer.decoding import response_decoder
from services.feedback.instruments import Bands
from services.feedback.settings import FeedbackConsumer, FeedbackOptions, FeedbackSettings
from shared.broker import KafkaBroker
from shared.codec import json_decoder
from shared.consumer import BatchConsumer, LoopParts
from shared.database import create_engine, create_session_factory
from shared.events import TrackingEvent
from shared.metrics import ConsumerMetrics
from shared.producer import EventProducer
from shared.service import Resources, utc_now
from shared.settings import KafkaSettings, TopicSettings
from shared.store import SqlStore
from tests import infra


async def produce(topic: str, records: Sequence[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=infra.BOOTSTRAP, acks="all", linger_ms=5)
    await producer.start()
    try:
        for key, value in records:
            await producer.send(topic, value, key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def raw_consumer(topics: Sequence[str], total: int, *, max_records: int) -> float:
    """The ceiling: an aiokafka consumer of the same topics that only counts what it fetches
    and commits each fetch, as the loop does; records/s."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=infra.BOOTSTRAP,
        group_id=infra.unique("bench-raw"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=1024 * 1024,
    )
    await consumer.start()
    try:
        seen, started = 0, None
        while seen < total:
            batches = await consumer.getmany(timeout_ms=1000, max_records=max_records)
            started = started or time.perf_counter()
            seen += sum(len(batch) for batch in batches.values())
            await consumer.commit()
        return total / (time.perf_counter() - (started or time.perf_counter()))
    finally:
        await consumer.stop()


@dataclass
class Run:
    records_per_s: float
    stages: dict[str, float]
    batches: int


def bench_settings(
    topics: TopicSettings, database_url: str, *, max_records: int
) -> FeedbackSettings:
    consumer = FeedbackConsumer(group_id=infra.unique("bench-fb"), max_records=max_records)
    return FeedbackSettings.model_validate(
        {
            "kafka": KafkaSettings(bootstrap_servers=infra.BOOTSTRAP),
            "topics": topics,
            "database": {"url": database_url, "pool_size": 3},
            "feedback": FeedbackOptions(consumer=consumer),
        }
    )


def service_loop(
    settings: FeedbackSettings,
    engine: AsyncEngine,
    registry: CollectorRegistry,
    sink: EventProducer,
) -> BatchConsumer:
    """The loop ``run_consumer_service`` would run, without its HTTP server."""
    sessions = create_session_factory(engine)
    parts = build(settings, Resources(sessions, registry, utc_now))
    return BatchConsumer(
        parts.routes,
        LoopParts(
            broker=KafkaBroker(settings.kafka, settings.feedback.consumer),
            store=SqlStore(sessions, outbox_table=parts.outbox, jobs_table=parts.jobs_table),
            sink=sink,
            metrics=ConsumerMetrics("feedback", registry),
            clock=utc_now,
        ),
        service="feedback",
        dead_letter_topic=settings.topics.dead_letter,
        settings=settings.feedback.consumer,
        jobs=parts.jobs,
    )


async def feedback_consumer(
    topics: TopicSettings, database_url: str, total: int, *, max_records: int
) -> Run:
    """The feedback service's loop over what the topics hold (``total`` records); records/s
    from the first record processed to the last."""
    settings = bench_settings(topics, database_url, max_records=max_records)
    engine = create_engine(settings.database)
    registry = CollectorRegistry()
    producer = EventProducer(settings.kafka, client_id="bench-feedback")
    await producer.start()
    stop = asyncio.Event()
    task = asyncio.create_task(service_loop(settings, engine, registry, producer).run(stop))
    try:
        await reached(registry, 1)
        started = time.perf_counter()
        await reached(registry, total)
        elapsed = time.perf_counter() - started
        batches = registry.get_sample_value("boucle_feedback_batch_records_count") or 0
        return Run(total / elapsed, stage_sums(registry), int(batches))
    finally:
        stop.set()
        await task
        await producer.stop()
        await engine.dispose()


async def reached(registry: CollectorRegistry, count: int) -> None:
    """Returns once the loop has processed ``count`` records (polled every 5 ms)."""
    while True:
        if processed(registry) >= count:
            return
        await asyncio.sleep(0.005)


def processed(registry: CollectorRegistry) -> float:
    return sum(
        sample.value
        for metric in registry.collect()
        if metric.name == "boucle_feedback_records_processed"
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


def stage_sums(registry: CollectorRegistry) -> dict[str, float]:
    sums = {}
    for metric in registry.collect():
        if metric.name == "boucle_feedback_batch_stage_duration_seconds":
            for sample in metric.samples:
                if sample.name.endswith("_sum"):
                    sums[sample.labels["stage"]] = sample.value
    return sums


async def main_async(args: argparse.Namespace) -> None:
    data = stream(args.records, share=args.feedback, people=args.people)
    template = infra.unique("bench_tpl")
    await infra.admin_sql(f'CREATE DATABASE "{template}"')
    try:
        await asyncio.to_thread(infra.migrate, infra.database_url(template))
        print(
            f"{args.records} raw events, {data.feedback} feedback "
            f"({data.feedback / args.records:.1%}), plus {len(data.links)} identity links and "
            f"{len(data.journeys)} touchpoints; max_records {args.max_records}"
        )
        decode_costs(data, bands=Bands())
        for run in range(args.runs):
            await one_run(template, data, args, label=f"run {run + 1}")
    finally:
        await drop(template)


async def one_run(template: str, data: Stream, args: argparse.Namespace, *, label: str) -> None:
    topics = await infra.create_topics(infra.unique("bench"))
    database = infra.unique("bench_fb")
    await infra.admin_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    try:
        await produce(topics.identities, data.links)
        await produce(topics.journeys, data.journeys)
        await produce(topics.raw_events, data.raw)
        total = len(data.links) + len(data.journeys) + len(data.raw)
        url = infra.database_url(database)
        fed = await feedback_consumer(topics, url, total, max_records=args.max_records)
        names = [topics.identities, topics.journeys, topics.raw_events]
        raw = await raw_consumer(names, total, max_records=args.max_records)
        print(f"{label}: raw aiokafka consumer {raw:>9,.0f} records/s")
        print(
            f"{label}: feedback consumer    {fed.records_per_s:>9,.0f} records/s "
            f"(x{fed.records_per_s / raw:.2f} of raw), {fed.batches} batches"
        )
        spent = sum(fed.stages.values()) or 1.0
        shares = ", ".join(
            f"{stage} {seconds:.2f}s ({seconds / spent:.0%})"
            for stage, seconds in sorted(fed.stages.items(), key=lambda kv: -kv[1])
        )
        print(f"{label}: time per stage (handler stages are inside apply): {shares}")
    finally:
        await drop(database)


async def drop(database: str) -> None:
    try:
        await infra.drop_database(database)
    except asyncpg.InsufficientPrivilegeError:
        print(f"could not drop {database} (autovacuum still on it): drop it by hand")


def decode_costs(data: Stream, *, bands: Bands) -> None:
    """The decoder as wired (event name first) against a full decode of every raw event."""
    values = [value for _, value in data.raw]
    decode = response_decoder(bands)
    full = json_decoder(TrackingEvent)
    started = time.perf_counter()
    for value in values:
        decode(value)
    filtered = time.perf_counter() - started
    started = time.perf_counter()
    for value in values:
        full(value)
    decoded = time.perf_counter() - started
    per = 1e6 / len(values)
    print(
        f"decode per raw event: name first {filtered * per:.1f} µs, full decode "
        f"{decoded * per:.1f} µs (x{decoded / filtered:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.feedback_consumer")
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--feedback", type=float, default=0.05, help="share of feedback events")
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument(
        "--max-records", type=int, default=FeedbackConsumer.model_fields["max_records"].default
    )
    parser.add_argument("--runs", type=int, default=1)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
