"""Builders and a harness for the feedback consumer's tests on the real database: records of
the three input topics, and batches applied by the real handlers in one transaction each, in
the loop's route order (identities, journeys, raw events)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.feedback.api import feedback_router
from services.feedback.api.context import STATE_KEY, ApiContext
from services.feedback.consumer.context import Feedback
from services.feedback.consumer.decoding import response_decoder
from services.feedback.consumer.identities import IdentityHandler
from services.feedback.consumer.journeys import JourneyHandler
from services.feedback.consumer.responses import ResponseHandler
from services.feedback.metrics import FeedbackMetrics
from services.feedback.policy import FeedbackPolicy
from services.feedback.reading import TextReader
from services.feedback.tables import JOBS, OUTBOX
from services.feedback.wire import CaseTopics
from shared.auth import Principal, TokenVerifier, hash_token
from shared.broker import Record
from shared.events import CaseEventRecord, Conversion, IdentityLink, Touchpoint, TrackingEvent
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work
from shared.service import ServiceParts, service_app
from shared.store import SqlTransaction
from tests.factories import T0
from tests.fakes.text import KeywordReader

FOLLOWUPS = "followups"


def answer(
    name: str = "NPS Submitted",
    *,
    score: int | str | None = None,
    comment: str | None = None,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    identities: dict[str, str] | None = None,
    at: datetime = T0,
    message_id: str | None = None,
    **properties: Any,
) -> TrackingEvent:
    """A feedback event as the collector publishes it."""
    props = dict(properties)
    if score is not None:
        props["score"] = score
    if comment is not None:
        props["comment"] = comment
    return TrackingEvent.model_validate(
        {
            "messageId": message_id or f"m-{uuid.uuid4().hex[:12]}",
            "type": "track",
            "sourceId": "test",
            "event": name,
            "userId": user_id,
            "anonymousId": anonymous_id,
            "identities": identities or {},
            "properties": props,
            "timestamp": at,
            "receivedAt": at,
        }
    )


def page(anonymous_id: str, *, at: datetime = T0) -> TrackingEvent:
    return TrackingEvent.model_validate(
        {
            "messageId": f"p-{uuid.uuid4().hex[:12]}",
            "type": "page",
            "sourceId": "test",
            "anonymousId": anonymous_id,
            "timestamp": at,
            "receivedAt": at,
        }
    )


def link(
    identifier: str, person_id: str, *, version: int = 1, merged_from: str | None = None
) -> IdentityLink:
    return IdentityLink(
        identifier=identifier, person_id=person_id, version=version, merged_from=merged_from
    )


def touchpoint(
    touchpoint_id: str,
    person_id: str,
    *,
    at: datetime = T0,
    channel: str = "email",
    campaign: str | None = "spring",
    version: int = 1,
    retracted: bool = False,
) -> Touchpoint:
    return Touchpoint(
        touchpoint_id=touchpoint_id,
        person_id=person_id,
        occurred_at=at,
        channel=channel,
        source="newsletter" if channel == "email" else None,
        campaign=campaign,
        version=version,
        retracted=retracted,
    )


def conversion(
    conversion_id: str,
    person_id: str,
    revenue: str | int,
    *,
    currency: str = "USD",
    version: int = 1,
    at: datetime = T0,
) -> Conversion:
    return Conversion(
        conversion_id=conversion_id,
        person_id=person_id,
        occurred_at=at,
        name="Order Completed",
        revenue=Decimal(revenue),
        currency=currency,
        version=version,
    )


def delivered(values: Sequence[Any], topic: str = "t") -> list[Delivery[Any]]:
    return [
        Delivery(value, Record(topic=topic, partition=0, offset=offset, key=None, value=None))
        for offset, value in enumerate(values)
    ]


def queue_topics(policy: FeedbackPolicy) -> dict[str, str]:
    return {name: queue.topic for name, queue in policy.triage.queues.items()}


@dataclass
class Harness:
    """The feedback handlers on one database, with a clock the test moves."""

    sessions: async_sessionmaker[AsyncSession]
    policy: FeedbackPolicy = field(default_factory=FeedbackPolicy)
    reader: TextReader = field(default_factory=KeywordReader)
    now: datetime = T0
    rates: dict[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.feedback = Feedback(
            policy=self.policy,
            topics=CaseTopics(followups=FOLLOWUPS, queues=self.policy.triage.queues),
            reader=self.reader,
            metrics=FeedbackMetrics(CollectorRegistry()),
            reporting_currency="USD",
            rates=self.rates,
        )
        self.decode = response_decoder(self.policy.negativity.bands)

    def advance(self, delta: timedelta) -> None:
        self.now += delta

    async def batch(
        self,
        *,
        links: Sequence[IdentityLink] = (),
        journeys: Sequence[Touchpoint | Conversion] = (),
        events: Sequence[TrackingEvent] = (),
    ) -> list[OutgoingRecord]:
        """One batch, one transaction; raw events go through the real decoder (bytes)."""
        responses = [self.decode(event.to_bytes()) for event in events]
        out: list[OutgoingRecord] = []
        async with self.sessions() as session, session.begin():
            work = Work(
                tx=SqlTransaction(session, outbox_table=OUTBOX, jobs_table=JOBS), now=self.now
            )
            out += await IdentityHandler(self.feedback)(work, delivered(links))
            out += await JourneyHandler()(work, delivered(journeys))
            out += await ResponseHandler(self.feedback)(work, delivered(responses))
        for callback in work.committed:
            callback()
        return out

    async def sql(self, query: str, **params: Any) -> list[Any]:
        async with self.sessions() as session:
            return list((await session.execute(text(query), params)).all())

    async def cases(self) -> list[Any]:
        return await self.sql(
            "SELECT case_id, person_id, status, priority, queue, response_ids, version, "
            "reopen_count, recovered, merged_into FROM feedback.cases ORDER BY opened_at, case_id"
        )


def events_of(out: Sequence[OutgoingRecord], topic: str = FOLLOWUPS) -> list[CaseEventRecord]:
    return [CaseEventRecord.model_validate_json(r.value) for r in out if r.topic == topic]


def kinds(out: Sequence[OutgoingRecord]) -> list[str]:
    return [event.kind for event in events_of(out)]


def api_app(harness: Harness) -> FastAPI:
    """The service's HTTP API on the harness's database, feedback and clock."""
    parts = ServiceParts(
        routes=[],
        outbox=OUTBOX,
        jobs_table=JOBS,
        router=feedback_router(),
        state={STATE_KEY: ApiContext(feedback=harness.feedback, clock=lambda: harness.now)},
    )
    app = service_app("feedback", parts, sessions=harness.sessions, registry=CollectorRegistry())
    app.state.tokens = TokenVerifier(OneToken())
    return app


class OneToken:
    """The API's token store, knowing one agent's token with every scope (the store itself is
    tested on the database in test_api_tokens.py)."""

    async def find(self, token_hash: str) -> Principal | None:
        if token_hash != hash_token(AGENT_TOKEN):
            return None
        return Principal(token_id="agent", name="agent", scopes=frozenset({"admin"}))


AGENT_TOKEN = "feedback-test-agent-token"


def api_client(harness: Harness) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=api_app(harness))
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://feedback",
        headers={"Authorization": f"Bearer {AGENT_TOKEN}"},
    )


async def staged(harness: Harness) -> list[CaseEventRecord]:
    """Case events the API staged in the outbox (what the relay will publish)."""
    rows = await harness.sql("SELECT topic, value FROM feedback.outbox ORDER BY id")
    return [CaseEventRecord.model_validate_json(r.value) for r in rows if r.topic == FOLLOWUPS]
