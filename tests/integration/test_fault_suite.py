"""The fault suite: the whole pipeline on a Kafka broker and a PostgreSQL server of its own, while
Kafka restarts, PostgreSQL restarts and each consumer is SIGKILLed mid-stream. The accounting
is exact: every order the collector acknowledged is stored once, credited once under every
model, and every detractor has one case."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from shared.database import create_engine
from shared.settings import DatabaseSettings, TopicSettings
from tests import infra
from tests.processes import PORT_BASE, ThrowawayBroker, ThrowawayPostgres, collector_env

SERVICES = ("collector", "sessionizer", "attribution", "feedback")
CONSUMERS = SERVICES[1:]
USERS_PER_PHASE = 60
BATCH_USERS = 10
CAMPAIGN = "utm_source=news&utm_medium=email"
PHASES = ("steady", "kafka restart", "postgres restart", "consumers killed")


def user_events(n: int) -> list[dict[str, Any]]:
    """A campaign visit and an order; every fifth user then answers NPS 2: a detractor."""
    anonymous, user = f"anon-{n}", f"user-{n}"
    events: list[dict[str, Any]] = [
        {
            "type": "page",
            "messageId": f"page-{n}",
            "anonymousId": anonymous,
            "timestamp": f"2026-05-01T10:{n % 60:02d}:00Z",
            "context": {"page": {"url": f"https://shop.example/?{CAMPAIGN}&utm_campaign=c{n % 4}"}},
        },
        {
            "type": "track",
            "messageId": f"order-{n}",
            "anonymousId": anonymous,
            "userId": user,
            "event": "Order Completed",
            "timestamp": f"2026-05-01T11:{n % 60:02d}:00Z",
            "properties": {"revenue": 10 + n, "currency": "EUR"},
        },
    ]
    if n % 5 == 0:
        events.append(
            {
                "type": "track",
                "messageId": f"nps-{n}",
                "userId": user,
                "event": "NPS Submitted",
                "timestamp": f"2026-05-01T12:{n % 60:02d}:00Z",
                "properties": {"score": 2, "comment": "livraison en retard"},
            }
        )
    return events


@dataclass
class Pipeline:
    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.env[f'{service.upper()}__PORT']}"

    def start(self, service: str) -> None:
        self.processes[service] = infra.start_service(
            service, self.env, self.logs / f"{service}.log"
        )
        infra.wait_ready(self.url(service), self.processes[service], self.logs / f"{service}.log")

    def kill(self, service: str) -> None:
        process = self.processes.pop(service)
        process.kill()
        process.wait()

    def stop_all(self) -> dict[str, int | None]:
        return {service: infra.stop(process) for service, process in self.processes.items()}


def metric(pipeline: Pipeline, service: str, name: str) -> float:
    """The sum of a metric's samples on one running service."""
    body = httpx.get(f"{pipeline.url(service)}/metrics", timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith((name + " ", name + "{"))
    )


async def _positive(value: float) -> bool:
    return value > 0


async def send(client: httpx.AsyncClient, users: range) -> int:
    """Posts the users' events in batches, retrying each batch (same messageIds) until it is
    acknowledged, as a client library does; returns the orders acknowledged."""
    acknowledged = 0
    for start in range(users.start, users.stop, BATCH_USERS):
        batch = [
            e for n in range(start, min(start + BATCH_USERS, users.stop)) for e in user_events(n)
        ]
        for _ in range(120):
            try:
                response = await client.post("/v1/batch", json={"batch": batch})
                if response.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"batch from user {start} was never acknowledged")
        acknowledged += sum(1 for e in batch if e["messageId"].startswith("order-"))
    return acknowledged


async def counts(database_url: str) -> dict[str, Any]:
    engine = create_engine(DatabaseSettings(url=database_url, pool_size=1))
    queries = {
        "conversions": "SELECT count(*) FROM sessionizer.conversions",
        # A purchase is one outcome; each model's credits of it weigh one in all.
        "credited": "SELECT model, count(DISTINCT outcome_id), sum(weight) "
        "FROM attribution.credits GROUP BY model ORDER BY model",
        "uneven": "SELECT count(*) FROM (SELECT outcome_id, model FROM attribution.credits "
        "GROUP BY outcome_id, model HAVING sum(weight) <> 1) AS odd",
        "cases": "SELECT count(*) FROM feedback.cases",
    }
    try:
        async with engine.connect() as conn:
            return {name: (await conn.execute(text(sql))).all() for name, sql in queries.items()}
    finally:
        await engine.dispose()


def seed(env: dict[str, str]) -> None:
    """The demo source and token, as `make up` makes them."""
    for module in (["services.collector", "sources"], ["shared.tokens"]):
        subprocess.run(
            [sys.executable, "-m", *module, "seed-demo"],
            cwd=infra.ROOT,
            env=env,
            check=True,
            capture_output=True,
        )


@pytest.fixture
def own_infra(tmp_path: Path) -> Iterator[tuple[ThrowawayBroker, ThrowawayPostgres]]:
    broker = ThrowawayBroker(
        run_dir=tmp_path / "broker", port=PORT_BASE + 40, controller_port=PORT_BASE + 41
    )
    postgres = ThrowawayPostgres(
        directory=Path(tempfile.mkdtemp(prefix="boucle-faults-pg-")), port=PORT_BASE + 42
    )
    broker.start()
    try:
        postgres.create()
        try:
            yield broker, postgres
        finally:
            postgres.destroy()
    finally:
        broker.stop()


def environment(
    broker: ThrowawayBroker, postgres: ThrowawayPostgres, topics: TopicSettings, tmp: Path
) -> dict[str, str]:
    env = collector_env(
        database_url=postgres.url,
        topics=topics,
        bootstrap=broker.bootstrap,
        port=PORT_BASE + 43,
        spool_dir=tmp / "spool",
    )
    env["BOUCLE_DEMO_TOKEN"] = "fault-suite-admin-token"
    for offset, service in enumerate(CONSUMERS, start=44):
        prefix = service.upper()
        env[f"{prefix}__PORT"] = str(PORT_BASE + offset)
        env[f"{prefix}__CONSUMER__GROUP_ID"] = f"faults-{service}"
        env[f"{prefix}__CONSUMER__MAX_RECORDS"] = "40"
        env[f"{prefix}__CONSUMER__RETRY_BUDGET_S"] = "240"
    return env


async def test_restarts_and_kills_lose_nothing_and_double_nothing(
    own_infra: tuple[ThrowawayBroker, ThrowawayPostgres], tmp_path: Path
) -> None:
    broker, postgres = own_infra
    infra.migrate(postgres.url)
    topics = await infra.create_topics(infra.unique("faults"), bootstrap=broker.bootstrap)
    env = environment(broker, postgres, topics, tmp_path)
    seed(env)
    pipeline = Pipeline(env, tmp_path)
    (tmp_path / "spool").mkdir()
    try:
        for service in SERVICES:
            pipeline.start(service)
        acknowledged = 0
        async with httpx.AsyncClient(
            base_url=pipeline.url("collector"), auth=(env["BOUCLE_DEMO_WRITE_KEY"], ""), timeout=30
        ) as client:
            for index, phase in enumerate(PHASES):
                users = range(index * USERS_PER_PHASE, (index + 1) * USERS_PER_PHASE)
                if phase == "kafka restart":
                    broker.stop()
                    acknowledged += await send(client, users)  # acknowledged from the spool
                    assert (
                        metric(pipeline, "collector", "boucle_collector_events_spooled_total") > 0
                    )
                    broker.start()
                elif phase == "postgres restart":
                    postgres.stop()
                    acknowledged += await send(client, users)
                    await asyncio.sleep(2)  # the consumers meet the outage with a backlog
                    postgres.start()
                    await infra.eventually(
                        lambda: _positive(
                            metric(
                                pipeline, "sessionizer", "boucle_sessionizer_batch_retries_total"
                            )
                        ),
                        what="the sessionizer to have retried through the outage",
                    )
                elif phase == "consumers killed":
                    half = range(users.start, users.start + USERS_PER_PHASE // 2)
                    acknowledged += await send(client, half)
                    for service in CONSUMERS:  # SIGKILL mid-stream, then start again
                        pipeline.kill(service)
                        pipeline.start(service)
                    acknowledged += await send(client, range(half.stop, users.stop))
                else:
                    acknowledged += await send(client, users)
        total_users = USERS_PER_PHASE * len(PHASES)
        assert acknowledged == total_users
        detractors = len(range(0, total_users, 5))

        async def drained() -> bool:
            found = await counts(postgres.url)
            credited = found["credited"]
            return (
                found["conversions"][0][0] >= acknowledged
                and bool(credited)
                and all(row[1] >= acknowledged for row in credited)
                and found["cases"][0][0] >= detractors
            )

        await infra.eventually(
            drained, timeout_s=300, what="every order stored, credited and cased"
        )
        await asyncio.sleep(3)  # anything extra would show now
        found = await counts(postgres.url)
        assert found["conversions"][0][0] == acknowledged
        for model, conversions, weight in found["credited"]:
            assert (conversions, weight) == (acknowledged, acknowledged), model
        assert found["uneven"][0][0] == 0
        assert found["cases"][0][0] == detractors
        assert set(pipeline.stop_all().values()) == {0}
    finally:
        for process in pipeline.processes.values():
            process.kill()
            process.wait()
