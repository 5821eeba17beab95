"""Scale-out is real: two instances of each consumer in one consumer group, with a rebalance
mid-stream (one instance of each SIGKILLed, another started), build exactly the journeys,
credits and cases of one instance alone, on the real broker and database."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from shared.database import create_engine
from shared.events import TrackingEvent
from shared.settings import DatabaseSettings, TopicSettings
from tests import infra
from tests.integration.test_sessionizer_restart import LATENESS, make, stream

CONSUMERS = ("sessionizer", "attribution", "feedback")
PORT_BASE = int(os.environ.get("BOUCLE_E2E_PORT_BASE", "18000")) + 30
SNAPSHOT = {
    "identities": "SELECT identifier, person_id FROM sessionizer.identities",
    "sessions": "SELECT session_id, person_id, started_at, last_event_at, event_count "
    "FROM sessionizer.sessions",
    # Live ones: which intermediate sessions existed (and were retracted) depends on the order
    # events arrived in, which two instances change; the journey they add up to does not.
    "touchpoints": "SELECT touchpoint_id, person_id, occurred_at, channel, campaign "
    "FROM sessionizer.touchpoints WHERE NOT retracted",
    "conversions": "SELECT conversion_id, person_id, revenue FROM sessionizer.conversions",
    # Path models' credits exactly; fitted models weigh with whatever fit their last re-solve
    # had (it runs on a timer), so theirs are compared by what does not depend on timing: every
    # conversion credited once, its weights adding up to one, and the counts the fits come from.
    "credits": "SELECT outcome_id, model, touchpoint_id, person_id, weight, revenue, channel "
    "FROM attribution.credits WHERE model NOT IN ('markov', 'shapley')",
    "fitted_credits": "SELECT outcome_id, model, sum(weight), sum(revenue) "
    "FROM attribution.credits WHERE model IN ('markov', 'shapley') GROUP BY 1, 2",
    "fitted_counts": "SELECT model_key, item, conversions, nulls FROM attribution.fitted_counts",
    "credit_totals": "SELECT model, dimension, day, value, stage, currency, conversions, revenue "
    "FROM attribution.credit_totals WHERE model NOT IN ('markov', 'shapley')",
    # Which response opened a person's case depends on the order two instances applied them,
    # so case ids are left out; what the cases hold and how urgent they are is not. Merged
    # cases are history like retracted touchpoints: an answer that came before its person was
    # linked had a provisional person's case, merged once the link came.
    "cases": "SELECT person_id, status, priority, queue, cardinality(response_ids) "
    "FROM feedback.cases WHERE status <> 'merged'",
    "responses": "SELECT message_id, person_id, band, negative, case_id IS NOT NULL "
    "FROM feedback.responses",
    "response_counts": "SELECT day, instrument, channel, campaign, responses, negative, positive "
    "FROM feedback.response_counts WHERE responses <> 0",
    "feedback_persons": "SELECT person_id, revenue, channel, campaign FROM feedback.persons",
}


def detractors(events: list[TrackingEvent], rng: random.Random) -> list[TrackingEvent]:
    """NPS answers from some of the visitors: detractors open cases, the rest do not. The two
    devices of a user both answer, at one time: a repeat negative raises the priority, and
    with equal times it does whichever answer is applied second."""
    answers = []
    answered_at = max(e.timestamp for e in events) + timedelta(minutes=5)
    for n, event in enumerate(e for e in events if e.type == "identify"):
        answers.append(
            make(
                f"nps-{n}",
                "track",
                answered_at,
                event.anonymous_id or "",
                event.user_id,
                name="NPS Submitted",
                properties={"score": rng.choice([0, 3, 6, 8, 10]), "comment": "délai trop long"},
            )
        )
    return answers


@dataclass
class Pipeline:
    """The three consumers of one run: each started instance, by service."""

    env: dict[str, str]
    logs: Path
    instances: dict[str, list[subprocess.Popen[bytes]]] = field(default_factory=dict)
    started: int = 0
    # Where each process answers, and its log: to wait until it is up.
    endpoints: dict[int, tuple[str, Path]] = field(default_factory=dict)

    def start(self, service: str) -> None:
        port = PORT_BASE + self.started
        env = {**self.env, f"{service.upper()}__PORT": str(port)}
        self.started += 1
        log = self.logs / f"{service}-{self.started}.log"
        process = infra.start_service(service, env, log)
        self.instances.setdefault(service, []).append(process)
        self.endpoints[process.pid] = (f"http://127.0.0.1:{port}", log)

    def wait_ready(self) -> None:
        """Every running instance up: one started late may still be starting when the others
        have drained everything, and a SIGTERM before it is up is no clean stop to test."""
        for processes in self.instances.values():
            for process in processes:
                url, log = self.endpoints[process.pid]
                infra.wait_ready(url, process, log)

    def kill_one_of_each(self) -> None:
        for service in CONSUMERS:
            process = self.instances[service].pop(0)
            process.send_signal(signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        for processes in self.instances.values():
            for process in processes:
                assert infra.stop(process) == 0, "a consumer must stop cleanly on SIGTERM"
        self.instances.clear()

    def kill(self) -> None:
        for processes in self.instances.values():
            for process in processes:
                process.kill()
                process.wait()


def environment(topics: TopicSettings, database: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE__URL": infra.database_url(database),
        "KAFKA__BOOTSTRAP_SERVERS": infra.BOOTSTRAP,
        "SESSIONIZER__ALLOWED_LATENESS_MINUTES": str(LATENESS.total_seconds() / 60),
        "FEEDBACK__POLICY__TRIAGE__QUEUES": infra.feedback_queues(topics),
    }
    for service in CONSUMERS:
        env[f"{service.upper()}__CONSUMER__GROUP_ID"] = f"{database}-{service}"
        env[f"{service.upper()}__CONSUMER__MAX_RECORDS"] = "20"
    env.update({f"TOPICS__{name.upper()}": topic for name, topic in topics.model_dump().items()})
    return env


async def drained(env: dict[str, str], topics: TopicSettings, raw_total: int) -> bool:
    """Every consumer committed everything there is, the topics the sessionizer writes
    included: their end offsets are read only once it has committed the whole raw topic (and
    so published everything it will), else a late publish could be missed."""
    group = env["SESSIONIZER__CONSUMER__GROUP_ID"].rsplit("-", 1)[0]
    if await infra.committed(f"{group}-sessionizer", topics.raw_events) < raw_total:
        return False
    journeys = await infra.end_offsets(topics.journeys)
    links = await infra.end_offsets(topics.identities)
    return (
        await infra.committed(f"{group}-feedback", topics.raw_events) >= raw_total
        and journeys > 0
        and await infra.committed(f"{group}-attribution", topics.journeys) >= journeys
        and await infra.committed(f"{group}-attribution", topics.raw_events) >= raw_total
        and await infra.committed(f"{group}-feedback", topics.journeys) >= journeys
        and await infra.committed(f"{group}-feedback", topics.identities) >= links
    )


async def snapshot(database: str) -> dict[str, Any]:
    engine = create_engine(DatabaseSettings(url=infra.database_url(database), pool_size=1))
    try:
        async with engine.connect() as conn:
            return {
                name: sorted(tuple(row) for row in (await conn.execute(text(sql))).all())
                for name, sql in SNAPSHOT.items()
            }
    finally:
        await engine.dispose()


async def run(
    template: str, arrivals: list[TrackingEvent], logs: Path, *, scaled: bool
) -> dict[str, Any]:
    topics = await infra.create_topics(infra.unique("scale"))
    database = infra.unique("boucle_scale")
    await infra.admin_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    await infra.produce(topics.raw_events, [(e.actor_id, e.to_bytes()) for e in arrivals])
    logs.mkdir()  # noqa: ASYNC240 - a test's own directory, once
    pipeline = Pipeline(environment(topics, database), logs)
    group = f"{database}-sessionizer"
    try:
        for service in CONSUMERS:
            for _ in range(2 if scaled else 1):
                pipeline.start(service)
        if scaled:

            async def midway() -> bool:
                return await infra.committed(group, topics.raw_events) >= len(arrivals) * 0.4

            await infra.eventually(midway, timeout_s=180, what="the rebalance point")
            pipeline.kill_one_of_each()  # the group rebalances onto the survivor...
            for service in CONSUMERS:
                pipeline.start(service)  # ...and again onto a new instance
            assert await infra.committed(group, topics.raw_events) < len(arrivals)

        async def done() -> bool:
            return await drained(pipeline.env, topics, len(arrivals))

        await infra.eventually(done, timeout_s=300, what="every consumer to drain")
        await asyncio.to_thread(pipeline.wait_ready)
        pipeline.stop()
        return await snapshot(database)
    finally:
        pipeline.kill()
        await infra.admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def test_two_instances_with_a_rebalance_build_what_one_instance_builds(
    template_database: str, tmp_path: Path
) -> None:
    data = stream(seed=11)
    arrivals = data.arrivals + detractors(data.events, random.Random(3))
    single = await run(template_database, arrivals, tmp_path / "single", scaled=False)
    scaled = await run(template_database, arrivals, tmp_path / "scaled", scaled=True)
    assert single["credits"], "the stream must produce credits"
    assert single["cases"], "the stream must open cases"
    for table in SNAPSHOT:
        assert scaled[table] == single[table], f"{table} differ between one and two instances"
