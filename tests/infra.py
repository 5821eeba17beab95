"""Real Kafka and PostgreSQL for integration and end-to-end tests (started by `make test`)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.settings import TopicSettings

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = os.environ.get("KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:9092")
ADMIN_DATABASE_URL = os.environ.get(
    "BOUCLE_TEST_DATABASE_URL", "postgresql+asyncpg://boucle:boucle@127.0.0.1:5432/boucle"
)


def database_url(name: str) -> str:
    return f"{ADMIN_DATABASE_URL.rsplit('/', 1)[0]}/{name}"


async def admin_sql(*statements: str) -> None:
    """Runs statements outside a transaction (CREATE/DROP DATABASE need that)."""
    conn = await asyncpg.connect(ADMIN_DATABASE_URL.replace("+asyncpg", ""))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def drop_database(name: str, *, attempts: int = 10) -> None:
    """DROP DATABASE … WITH (FORCE), waiting for autovacuum: after a bulk load it may still work
    on the database, and a non-superuser cannot terminate it (InsufficientPrivilegeError)."""
    for attempt in range(attempts):
        try:
            await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.InsufficientPrivilegeError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))


def migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "deploy/alembic.ini", "upgrade", "head"],
        cwd=ROOT,
        env={**os.environ, "DATABASE__URL": url},
        check=True,
    )


def feedback_queues(topics: TopicSettings) -> str:
    """``FEEDBACK__POLICY__TRIAGE__QUEUES`` with the default queues on topics of this test's
    own prefix, so a test's case events never reach the shared per-queue topics."""
    prefix = topics.followups.removesuffix(TopicSettings().followups).rstrip(".")
    names = ("support", "billing", "delivery", "sales", "stores", "marketing")
    return json.dumps({name: {"topic": f"{prefix}.feedback.followups.{name}.v1"} for name in names})


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def create_topics(
    prefix: str, *, partitions: int = 3, bootstrap: str = BOOTSTRAP
) -> TopicSettings:
    # Every topic the settings know, so a new one can never fall back to a shared default.
    topics = TopicSettings(
        **{name: f"{prefix}.{default}" for name, default in TopicSettings().model_dump().items()}
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        queues = [queue["topic"] for queue in json.loads(feedback_queues(topics)).values()]
        await admin.create_topics(
            [NewTopic(name, partitions, 1) for name in [*topics.model_dump().values(), *queues]]
        )
    finally:
        await admin.close()
    return topics


async def produce(topic: str, records: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send(topic, value, key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def read_topic(
    topic: str,
    *,
    expect: int,
    timeout_s: float = 30.0,
    settle_s: float = 0.0,
    bootstrap: str = BOOTSTRAP,
) -> list[ConsumerRecord]:
    """Every record of ``topic`` from the start: waits for ``expect`` records, then ``settle_s``
    more to catch any extra (used to prove that nothing else arrives)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        while not partitions:  # the client learns a topic's partitions only when it asks
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout_s
        while len(records) < expect and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
        settle_until = time.monotonic() + settle_s
        while time.monotonic() < settle_until:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def committed(group: str, topic: str) -> int:
    """The sum of the group's committed offsets over the topic's partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


async def end_offsets(topic: str) -> int:
    """The sum of the topic's end offsets: how many records it holds."""
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        while not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(ends.values())
    finally:
        await consumer.stop()


Check = Callable[[], Awaitable[bool]]


async def eventually(check: Check, *, timeout_s: float = 30.0, what: str = "condition") -> None:
    """Polls ``check`` until it holds; fails with ``what`` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(0.2)


def start_service(service: str, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", f"services.{service}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"service exited with {process.returncode}:\n"
                f"{log_path.read_text(errors='replace')[-5000:]}"
            )
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after 60 s")


def stop(process: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, as a supervisor would; the exit code, or None when it had to be killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None
