"""The one consumer loop on the real broker and database, with a tiny probe handler."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.broker import KafkaBroker
from shared.consumer import BatchConsumer, LoopParts
from shared.errors import BadRecord, DependencyDown
from shared.jobs import Job
from shared.metrics import ConsumerMetrics
from shared.outbox import outbox_table
from shared.producer import EventProducer, OutgoingRecord
from shared.routes import Delivery, Route, Work
from shared.service import utc_now
from shared.settings import ConsumerSettings, KafkaSettings, TopicSettings
from shared.store import SqlStore, jobs_table
from tests import infra

KAFKA = KafkaSettings(bootstrap_servers=infra.BOOTSTRAP)
PROBE_METADATA = MetaData()
PROBE_OUTBOX = outbox_table("public", PROBE_METADATA)
PROBE_JOBS = jobs_table("public", PROBE_METADATA)


def decode(value: bytes) -> str:
    text_value = value.decode(errors="replace")
    if not text_value.startswith("ok-"):
        raise BadRecord(f"expected ok-<n>, got {text_value[:20]!r}", code="probe")
    return text_value


class ProbeHandler:
    """Inserts each item once and emits one record per item it inserted."""

    def __init__(
        self, output_topic: str, *, fail_with: BaseException | None = None, fail_times: int = 0
    ) -> None:
        self.output_topic = output_topic
        self.fail_with = fail_with
        self.fail_times = fail_times
        self.calls = 0
        self.started = asyncio.Event()
        self.gate: asyncio.Event | None = None

    async def __call__(
        self, work: Work, deliveries: Sequence[Delivery[str]]
    ) -> list[OutgoingRecord]:
        session = work.session
        self.calls += 1
        self.started.set()
        out = []
        for item in (delivery.value for delivery in deliveries):
            inserted = await session.execute(
                text("INSERT INTO probe (id) VALUES (:id) ON CONFLICT DO NOTHING RETURNING id"),
                {"id": item},
            )
            if inserted.scalar_one_or_none() is not None:
                out.append(OutgoingRecord(topic=self.output_topic, key=item, value=item.encode()))
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_with is not None and self.calls <= self.fail_times:
            raise self.fail_with
        return out


@pytest.fixture
async def probe_sessions(
    sessions: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    async with sessions() as session, session.begin():
        await session.execute(text("CREATE TABLE probe (id text PRIMARY KEY)"))
        await session.run_sync(lambda sync: PROBE_METADATA.create_all(sync.connection()))
    return sessions


@pytest.fixture
async def producer() -> AsyncIterator[EventProducer]:
    producer = EventProducer(KAFKA, client_id="loop-test")
    await producer.start()
    yield producer
    await producer.stop()


def loop(
    handler: ProbeHandler,
    topics: TopicSettings,
    producer: EventProducer,
    sessions: async_sessionmaker[AsyncSession],
    group: str,
    *,
    jobs: Sequence[Job] = (),
) -> BatchConsumer:
    settings = ConsumerSettings(
        group_id=group, poll_timeout_ms=200, retry_initial_backoff_s=0.05, retry_budget_s=5
    )
    parts = LoopParts(
        broker=KafkaBroker(KAFKA, settings),
        store=SqlStore(sessions, outbox_table=PROBE_OUTBOX, jobs_table=PROBE_JOBS),
        sink=producer,
        metrics=ConsumerMetrics("probe", CollectorRegistry()),
        clock=utc_now,
    )
    return BatchConsumer(
        [Route(topics.raw_events, decode, handler)],
        parts,
        service="probe",
        dead_letter_topic=topics.dead_letter,
        settings=settings,
        jobs=jobs,
    )


async def count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(text("SELECT count(*) FROM probe"))).scalar_one())


async def run_until(consumer: BatchConsumer, check: infra.Check) -> None:
    """Runs the loop until ``check`` holds, then stops it; a crash of the loop fails the test."""
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))

    async def done() -> bool:
        return task.done() or await check()

    try:
        await infra.eventually(done, what="the consumer to catch up")
    finally:
        stop.set()
        await task


async def produce_ok(topic: str, n: int, *, first: int = 0) -> None:
    await infra.produce(topic, [(f"k{i % 5}", f"ok-{i}".encode()) for i in range(first, first + n)])


def committed_reaches(group: str, topic: str, n: int) -> infra.Check:
    async def check() -> bool:
        return await infra.committed(group, topic) >= n

    return check


async def test_offsets_are_committed_only_after_the_transaction_commits(
    topics: TopicSettings, producer: EventProducer, probe_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await produce_ok(topics.raw_events, 10)
    group = infra.unique("g")
    crashing = ProbeHandler(topics.journeys, fail_with=RuntimeError("bug"), fail_times=1)
    with pytest.raises(RuntimeError, match="bug"):
        await asyncio.wait_for(
            loop(crashing, topics, producer, probe_sessions, group).run(asyncio.Event()), timeout=30
        )
    assert await count(probe_sessions) == 0
    assert await infra.committed(group, topics.raw_events) == 0

    restarted = loop(ProbeHandler(topics.journeys), topics, producer, probe_sessions, group)
    await run_until(restarted, committed_reaches(group, topics.raw_events, 10))
    assert await count(probe_sessions) == 10


async def test_a_redelivered_stream_changes_nothing_and_emits_nothing_again(
    topics: TopicSettings, producer: EventProducer, probe_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await produce_ok(topics.raw_events, 12)
    first, second = infra.unique("g"), infra.unique("g")
    await run_until(
        loop(ProbeHandler(topics.journeys), topics, producer, probe_sessions, first),
        committed_reaches(first, topics.raw_events, 12),
    )
    # A new group reads everything again from the start: a full redelivery.
    await run_until(
        loop(ProbeHandler(topics.journeys), topics, producer, probe_sessions, second),
        committed_reaches(second, topics.raw_events, 12),
    )
    assert await count(probe_sessions) == 12
    emitted = await infra.read_topic(topics.journeys, expect=12, settle_s=1.0)
    assert sorted(r.value for r in emitted) == sorted(f"ok-{i}".encode() for i in range(12))


async def test_a_poison_record_goes_to_the_dead_letter_topic_with_its_reason(
    topics: TopicSettings, producer: EventProducer, probe_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await infra.produce(
        topics.raw_events, [("k1", b"\xffgarbage"), ("k1", b"ok-1"), ("k2", b"ok-2")]
    )
    group = infra.unique("g")
    await run_until(
        loop(ProbeHandler(topics.journeys), topics, producer, probe_sessions, group),
        committed_reaches(group, topics.raw_events, 3),
    )
    assert await count(probe_sessions) == 2
    [dead] = await infra.read_topic(topics.dead_letter, expect=1, settle_s=0.5)
    headers = {name: value.decode() for name, value in dead.headers}
    assert dead.value == b"\xffgarbage"
    assert headers["reason"].startswith("expected ok-<n>")
    assert headers["origin-topic"] == topics.raw_events
    assert headers["consumer-group"] == group


async def test_a_transient_failure_is_retried_and_the_batch_applied_once(
    topics: TopicSettings, producer: EventProducer, probe_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await produce_ok(topics.raw_events, 5)
    group = infra.unique("g")
    flaky = ProbeHandler(
        topics.journeys, fail_with=DependencyDown("postgres", "test"), fail_times=2
    )
    consumer = loop(flaky, topics, producer, probe_sessions, group)
    await run_until(consumer, committed_reaches(group, topics.raw_events, 5))
    assert await count(probe_sessions) == 5
    assert flaky.calls >= 3
    emitted = await infra.read_topic(topics.journeys, expect=5, settle_s=0.5)
    assert len(emitted) == 5


async def test_stop_lets_the_in_flight_batch_finish_and_commit(
    topics: TopicSettings, producer: EventProducer, probe_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await produce_ok(topics.raw_events, 8)
    group = infra.unique("g")
    slow = ProbeHandler(topics.journeys)
    slow.gate = asyncio.Event()
    stop = asyncio.Event()
    task = asyncio.create_task(loop(slow, topics, producer, probe_sessions, group).run(stop))
    await asyncio.wait_for(slow.started.wait(), timeout=30)
    stop.set()
    await asyncio.sleep(0.5)
    assert not task.done(), "the loop must not stop in the middle of a batch"
    slow.gate.set()
    await asyncio.wait_for(task, timeout=30)
    applied = await count(probe_sessions)
    assert applied > 0
    assert await infra.committed(group, topics.raw_events) == applied


async def test_a_nul_character_postgresql_refuses_is_a_dead_letter_and_the_rest_commits(
    topics: TopicSettings, producer: EventProducer, probe_sessions: async_sessionmaker[AsyncSession]
) -> None:
    records = [("k1", b"ok-1"), ("k1", b"ok-\x00nul"), ("k1", b"ok-2"), ("k1", b"ok-3")]
    await infra.produce(topics.raw_events, records)
    group = infra.unique("g")
    await run_until(
        loop(ProbeHandler(topics.journeys), topics, producer, probe_sessions, group),
        committed_reaches(group, topics.raw_events, 4),
    )
    assert await count(probe_sessions) == 3
    [dead] = await infra.read_topic(topics.dead_letter, expect=1, settle_s=0.5)
    headers = {name: value.decode() for name, value in dead.headers}
    assert dead.value == b"ok-\x00nul"
    assert headers["reason"].startswith("database refused the data (22021)")
    assert (headers["origin-offset"], headers["service"]) == ("1", "probe")
    emitted = await infra.read_topic(topics.journeys, expect=3, settle_s=0.5)
    assert sorted(r.value for r in emitted) == [b"ok-1", b"ok-2", b"ok-3"]


async def test_a_scheduled_job_publishes_through_the_outbox_on_kafka(
    topics: TopicSettings, producer: EventProducer, probe_sessions: async_sessionmaker[AsyncSession]
) -> None:
    ran: list[datetime] = []

    async def sweep(session: AsyncSession, now: datetime) -> list[OutgoingRecord]:
        count_now = (await session.execute(text("SELECT count(*) FROM probe"))).scalar_one()
        ran.append(now)
        return [OutgoingRecord(topic=topics.followups, key="sweep", value=f"{count_now}".encode())]

    group = infra.unique("g")
    consumer = loop(
        ProbeHandler(topics.journeys),
        topics,
        producer,
        probe_sessions,
        group,
        jobs=[Job("sweep", timedelta(hours=1), sweep)],
    )

    async def swept() -> bool:
        return bool(ran)

    await run_until(consumer, swept)
    [published] = await infra.read_topic(topics.followups, expect=1, settle_s=0.5)
    assert (published.key, published.value) == (b"sweep", b"0")
    async with probe_sessions() as session:
        row = (await session.execute(text("SELECT last_success_at, runs FROM jobs"))).one()
    assert (row.last_success_at, row.runs) == (ran[0], 1)
