"""The feedback service as ``__main__`` wires it, on the real broker and database, with an
injected clock: poison records dead-lettered while the rest flows, SLA catch-up after downtime,
and what the case API stages published without any batch arriving."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.feedback.__main__ import build
from services.feedback.policy import FeedbackPolicy, Queue, TriagePolicy
from services.feedback.settings import (
    FeedbackConsumer,
    FeedbackJobs,
    FeedbackOptions,
    FeedbackSettings,
)
from shared.auth import TokenVerifier
from shared.broker import KafkaBroker
from shared.consumer import BatchConsumer, LoopParts
from shared.events import CaseEventRecord
from shared.metrics import ConsumerMetrics
from shared.producer import EventProducer
from shared.service import Resources, service_app
from shared.settings import KafkaSettings, TopicSettings
from shared.store import SqlStore
from tests import infra
from tests.fakes.text import KeywordReader
from tests.feedback import AGENT_TOKEN, OneToken, answer, link

HOUR = timedelta(hours=1)


@dataclass
class ShiftedClock:
    """Real time plus a shift the test moves: jobs keep their pace, and a jump is downtime."""

    shift: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


@dataclass
class Running:
    consumer: BatchConsumer
    api: httpx.AsyncClient
    clock: ShiftedClock
    topics: TopicSettings
    queues: dict[str, str]


def settings_for(topics: TopicSettings, *, database_url: str) -> FeedbackSettings:
    queues = {
        name: Queue.model_validate(queue)
        for name, queue in json.loads(infra.feedback_queues(topics)).items()
    }
    return FeedbackSettings.model_validate(
        {
            "kafka": KafkaSettings(bootstrap_servers=infra.BOOTSTRAP),
            "topics": topics,
            "database": {"url": database_url, "pool_size": 3},
            "feedback": FeedbackOptions(
                consumer=FeedbackConsumer(
                    group_id=infra.unique("fb"), poll_timeout_ms=200, retry_budget_s=10
                ),
                policy=FeedbackPolicy(triage=TriagePolicy(queues=queues)),
                jobs=FeedbackJobs(
                    sla_period=timedelta(seconds=1), relay_period=timedelta(seconds=1)
                ),
            ),
        }
    )


AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}


@contextlib.asynccontextmanager
async def running(
    topics: TopicSettings, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> AsyncIterator[Running]:
    settings = settings_for(topics, database_url=database_url)
    options, clock, registry = settings.feedback, ShiftedClock(), CollectorRegistry()
    parts = build(settings, Resources(sessions, registry, clock), reader=KeywordReader())
    producer = EventProducer(settings.kafka, client_id="feedback-test")
    await producer.start()
    consumer = BatchConsumer(
        parts.routes,
        LoopParts(
            broker=KafkaBroker(settings.kafka, options.consumer),
            store=SqlStore(sessions, outbox_table=parts.outbox, jobs_table=parts.jobs_table),
            sink=producer,
            metrics=ConsumerMetrics("feedback", registry),
            clock=clock,
        ),
        service="feedback",
        dead_letter_topic=topics.dead_letter,
        settings=options.consumer,
        jobs=parts.jobs,
    )
    app = service_app("feedback", parts, sessions=sessions, registry=registry)
    app.state.tokens = TokenVerifier(OneToken())
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    transport = httpx.ASGITransport(app=app)
    queues = {name: q.topic for name, q in options.policy.triage.queues.items()}
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://feedback", headers=AGENT
        ) as api:
            yield Running(consumer, api, clock, topics, queues)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)
        await producer.stop()


async def followups(
    topics: TopicSettings, *, expect: int, settle_s: float = 0.0
) -> list[CaseEventRecord]:
    records = await infra.read_topic(topics.followups, expect=expect, settle_s=settle_s)
    return [CaseEventRecord.model_validate_json(r.value) for r in records]


async def scalar(sessions: async_sessionmaker[AsyncSession], query: str) -> object:
    async with sessions() as session:
        return (await session.execute(text(query))).scalar_one()


async def test_poison_responses_are_dead_lettered_while_the_rest_flows(
    topics: TopicSettings, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    good = [
        answer(score=2, comment="late\x00 again", user_id="u-nul-text"),
        answer(score=3, user_id="u-ok"),
    ]
    poison = [
        answer(score=2, user_id="u-\x00-id"),  # refused when decoded
        answer(score=2, anonymous_id="a" * 600),  # refused by the database (varchar(512))
        answer(score=12, user_id="u-bad-score"),  # refused by the rules
    ]
    noise = [answer("Order Completed", user_id=f"buyer-{i}") for i in range(20)]
    records = [("k", e.to_bytes()) for e in [*noise[:10], *poison, *good, *noise[10:]]]
    await infra.produce(topics.raw_events, records)
    async with running(topics, sessions, database_url) as service:

        async def drained() -> bool:
            group = service.consumer._settings.group_id
            return await infra.committed(group, topics.raw_events) >= len(records)

        await infra.eventually(drained, what="the batch to commit")
    dead = await infra.read_topic(topics.dead_letter, expect=3, settle_s=0.5)
    reasons = sorted(dict(r.headers)["reason"].decode() for r in dead)
    assert len(reasons) == 3
    assert any("NUL" in r for r in reasons)
    assert any("database refused the data (22001)" in r for r in reasons)
    assert any("properties.score must be a whole number" in r for r in reasons)
    stored = await scalar(
        sessions, "SELECT string_agg(text, '|' ORDER BY text) FROM feedback.responses"
    )
    assert stored == "late\ufffd again"
    assert await scalar(sessions, "SELECT count(*) FROM feedback.cases") == 2


async def test_sla_catch_up_after_downtime_escalates_once_at_the_level_reached(
    topics: TopicSettings, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await infra.produce(topics.identities, [("u1", link("u1", "p1").to_bytes())])
    event = answer(score=1, comment="I was charged twice", user_id="u1")
    await infra.produce(topics.raw_events, [("u1", event.to_bytes())])
    async with running(topics, sessions, database_url) as service:
        [opened] = [e for e in await followups(topics, expect=1) if e.kind == "opened"]
        assert (opened.person_id, opened.priority) == ("p1", 1)
        queue = await infra.read_topic(service.queues["support"], expect=1)
        assert CaseEventRecord.model_validate_json(queue[0].value).kind == "opened"
        service.clock.shift = 29 * HOUR  # the service was down for 29 hours

        async def escalated() -> bool:
            return any(e.kind == "escalated" for e in await followups(topics, expect=2))

        await infra.eventually(escalated, what="the escalation")
    events = await followups(topics, expect=2, settle_s=2.0)
    [escalation] = [e for e in events if e.kind == "escalated"]
    assert escalation.detail["notify"] == "head_of_cx"
    assert [e.kind for e in events] == ["opened", "escalated"]


async def test_what_the_case_api_writes_is_published_without_any_batch_arriving(
    topics: TopicSettings, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await infra.produce(topics.raw_events, [("u1", answer(score=4, user_id="u1").to_bytes())])
    async with running(topics, sessions, database_url) as service:
        [opened] = await followups(topics, expect=1)
        response = await service.api.post(
            f"/v1/cases/{opened.case_id}/acknowledge", json={"version": opened.version, "by": "ann"}
        )
        assert response.status_code == 200, response.text
        events = await followups(topics, expect=2)
    assert [(e.kind, e.by) for e in events] == [("opened", None), ("acknowledged", "ann")]
