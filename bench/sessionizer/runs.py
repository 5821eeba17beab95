"""The runs of the sessionizer benchmark: producing a stream, the raw-consumer ceiling, and the
sessionizer itself as a process, timed from its group's first offset commit to its last."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client.parser import text_string_to_metric_families

from bench.sessionizer.stream import Arrival
from shared.settings import TopicSettings

BOOTSTRAP = os.environ.get("KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:9092")
ADMIN_DATABASE_URL = os.environ.get(
    "BOUCLE_BENCH_DATABASE_URL", "postgresql://boucle:boucle@127.0.0.1:5432/boucle"
)
PORT = 18560
POLL_S = 0.05


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    records: int


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    topic: Topic
    root: Path
    env: dict[str, str]
    prefix: str
    profile: str | None = None  # a cProfile output file for the sessionizer process

    def profile_args(self) -> list[str]:
        return ["-m", "cProfile", "-o", self.profile] if self.profile else []


@dataclass(frozen=True)
class Figures:
    name: str
    records: int
    seconds: float
    # Mean seconds per batch of each stage, and mean rows per bulk statement of each table.
    stages: dict[str, float] = field(default_factory=dict)
    rows: dict[str, float] = field(default_factory=dict)
    mean_batch: float = 0.0

    @property
    def events_per_s(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        return (
            f"{self.name:<44} {self.events_per_s:>9,.0f} ev/s   "
            f"{self.records:>7,} records in {self.seconds:6.2f} s"
        )


async def create_topics(names: Sequence[str], *, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1) for name in names])
    finally:
        await admin.close()


async def produce_stream(name: str, arrivals: Sequence[Arrival], *, partitions: int) -> Topic:
    await create_topics([name], partitions=partitions)
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(name, arrival.value, key=arrival.key.encode())
            for arrival in arrivals
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return Topic(name, len(arrivals))


async def raw_consumer(topic: Topic, *, max_records: int) -> Figures:
    """The ceiling: a consumer group member that fetches and commits, and does nothing else."""
    consumer = AIOKafkaConsumer(
        topic.name,
        bootstrap_servers=BOOTSTRAP,
        group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        seen, first_at, first_count = 0, 0.0, 0
        while seen < topic.records:
            batch = await consumer.getmany(timeout_ms=1000, max_records=max_records)
            seen += sum(len(records) for records in batch.values())
            await consumer.commit()
            if not first_at:
                first_at, first_count = time.perf_counter(), seen
        seconds = time.perf_counter() - first_at
    finally:
        await consumer.stop()
    return Figures("raw aiokafka consumer (fetch + commit)", topic.records - first_count, seconds)


async def committed(admin: AIOKafkaAdminClient, group: str) -> int:
    offsets = await admin.list_consumer_group_offsets(group)
    return sum(meta.offset for meta in offsets.values() if meta.offset > 0)


async def time_commits(
    group: str, total: int, process: asyncio.subprocess.Process
) -> tuple[int, float]:
    """Polls the group's committed offsets: (records after the first commit, seconds from the
    first commit to the last)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        first_at, first_count = 0.0, 0
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"the sessionizer exited with {process.returncode}")
            done = await committed(admin, group)
            now = time.perf_counter()
            if done and not first_at:
                first_at, first_count = now, done
            if done >= total:
                return total - first_count, now - first_at
            await asyncio.sleep(POLL_S)
    finally:
        await admin.close()


def migrate(root: Path, url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "deploy/alembic.ini", "upgrade", "head"],
        cwd=root,
        env={**os.environ, "DATABASE__URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def admin_sql(statement: str) -> None:
    conn = await asyncpg.connect(ADMIN_DATABASE_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def metrics_of(text: str) -> tuple[dict[str, float], dict[str, float], float]:
    """Mean seconds per batch of each stage, mean rows per statement, mean records per batch."""
    sums: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            label = sample.labels.get("stage") or sample.labels.get("table") or ""
            sums[(sample.name, label)] = sample.value
    stages = {
        label: total / sums[(name.replace("_sum", "_count"), label)]
        for (name, label), total in sums.items()
        if name.endswith("batch_stage_duration_seconds_sum") and total
    }
    rows = {
        label: total / sums[(name.replace("_sum", "_count"), label)]
        for (name, label), total in sums.items()
        if name.endswith("rows_per_statement_sum") and total
    }
    batches = [v for (n, _), v in sums.items() if n.endswith("batch_records_count")]
    records = [v for (n, _), v in sums.items() if n.endswith("batch_records_sum")]
    return stages, rows, (records[0] / batches[0] if batches and batches[0] else 0.0)


def service_env(run: Run, database: str, group: str, topics: TopicSettings) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE__URL": f"{ADMIN_DATABASE_URL.rsplit('/', 1)[0]}/{database}".replace(
            "postgresql://", "postgresql+asyncpg://"
        ),
        "KAFKA__BOOTSTRAP_SERVERS": BOOTSTRAP,
        "LOG__LEVEL": "WARNING",
        "SESSIONIZER__PORT": str(PORT),
        "SESSIONIZER__CONSUMER__GROUP_ID": group,
        **{f"TOPICS__{name.upper()}": topic for name, topic in topics.model_dump().items()},
        "TOPICS__RAW_EVENTS": run.topic.name,
    }
    env.update(run.env)
    return env


async def run_service(run: Run) -> Figures:
    """One sessionizer process over ``run.topic`` on a fresh database and output topics."""
    tag = uuid.uuid4().hex[:8]
    database, group = f"bench_{tag}", f"bench-sessionizer-{tag}"
    topics = TopicSettings(
        **{
            name: f"{run.prefix}.{tag}.{default}"
            for name, default in TopicSettings().model_dump().items()
        }
    )
    await create_topics([t for t in topics.model_dump().values()], partitions=3)
    await admin_sql(f'CREATE DATABASE "{database}"')
    try:
        migrate(run.root, service_env(run, database, group, topics)["DATABASE__URL"])
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *run.profile_args(),
            "-m",
            "services.sessionizer",
            cwd=run.root,
            env=service_env(run, database, group, topics),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            records, seconds = await time_commits(group, run.topic.records, process)
            async with httpx.AsyncClient(timeout=10) as client:
                text = (await client.get(f"http://127.0.0.1:{PORT}/metrics")).text
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=60)
    finally:
        await admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    stages, rows, mean_batch = metrics_of(text)
    return Figures(run.name, records, seconds, stages=stages, rows=rows, mean_batch=mean_batch)
