"""The real service handlers on the real database: a second delivery changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from prometheus_client import CollectorRegistry
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.metrics import AttributionMetrics
from services.attribution.restating import Restater
from services.attribution.settings import AttributionOptions
from services.attribution.stream import JourneyHandler
from services.sessionizer.journeys import JourneyBuilder, JourneyRules, Topics
from services.sessionizer.metrics import SessionizerMetrics
from services.sessionizer.sessions import SessionRules
from services.sessionizer.tables import JOBS, OUTBOX
from services.sessionizer.touchpoints import EventRoles
from shared.broker import Record
from shared.events import Conversion, Credit, JourneyRecord, Touchpoint
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Handler, Work
from shared.service import utc_now
from shared.store import SqlTransaction
from tests.factories import event
from tests.feedback import Harness, kinds

JourneyRecordAdapter: TypeAdapter[Touchpoint | Conversion] = TypeAdapter(JourneyRecord)
RULES = JourneyRules(
    sessions=SessionRules(),
    roles=EventRoles(
        touch_events=frozenset({"Email Link Clicked"}),
        background_events=frozenset(),
        conversions={"Order Completed": "purchase"},
    ),
)


def builder() -> JourneyBuilder:
    return JourneyBuilder(
        RULES,
        topics=Topics(journeys="journeys", late_events="late", identities="identities"),
        metrics=SessionizerMetrics(CollectorRegistry()),
    )


def delivered(values: Sequence[Any]) -> list[Delivery[Any]]:
    return [
        Delivery(value, Record(topic="t", partition=0, offset=offset, key=None, value=None))
        for offset, value in enumerate(values)
    ]


async def apply(
    sessions: async_sessionmaker[AsyncSession], handler: Handler[Any], items: Sequence[Any]
) -> Sequence[OutgoingRecord]:
    """One batch in one transaction, as the consumer loop applies it."""
    async with sessions() as session, session.begin():
        tx = SqlTransaction(session, outbox_table=OUTBOX, jobs_table=JOBS)
        return await handler(Work(tx=tx, now=utc_now()), delivered(items))


def on_journeys_topic(records: Sequence[OutgoingRecord]) -> list[OutgoingRecord]:
    """What the sessionizer sends to the journeys topic (it also sends identity links)."""
    return [record for record in records if record.topic == "journeys"]


async def snapshot(sessions: async_sessionmaker[AsyncSession], schema: str) -> dict[str, Any]:
    async with sessions() as session:
        tables = (
            (
                await session.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                        "AND table_name <> 'outbox' ORDER BY table_name"
                    ),
                    {"s": schema},
                )
            )
            .scalars()
            .all()
        )
        return {
            table: (
                await session.execute(
                    text(
                        f'SELECT * FROM {schema}."{table}" ORDER BY 1'  # noqa: S608 - names from the catalog
                    )
                )
            ).all()
            for table in tables
        }


def journey() -> list[Any]:
    return [
        event(minutes=0, anonymous_id="a1", campaign="spring", channel="paid_search"),
        event(minutes=5, anonymous_id="a1", type="identify", user_id="u1"),
        event(
            minutes=10,
            anonymous_id="a1",
            user_id="u1",
            type="track",
            name="Order Completed",
            properties={"revenue": 100, "currency": "EUR"},
        ),
        event(minutes=90, anonymous_id="a1", user_id="u1"),
    ]


async def test_sessionizer_redelivery_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    events = journey()
    first = on_journeys_topic(await apply(sessions, builder(), events))
    before = await snapshot(sessions, "sessionizer")
    assert await apply(sessions, builder(), events) == []
    assert await snapshot(sessions, "sessionizer") == before
    kinds = [type(JourneyRecordAdapter.validate_json(r.value)).__name__ for r in first]
    assert kinds == ["Touchpoint", "Conversion", "Touchpoint"]  # the 90-minute gap: 2 sessions
    assert len({r.key for r in first}) == 1  # identify joined the device and the user


def attributor(*models: str) -> JourneyHandler:
    options = AttributionOptions.model_validate({"models": list(models)})
    metrics = AttributionMetrics(CollectorRegistry())
    restater = Restater(
        options.lineup(), credits_topic="credits", metrics=metrics, money=options.money()
    )
    return JourneyHandler(restater)


async def test_attribution_redelivery_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    handler = attributor("last_touch", "linear")
    records = [
        JourneyRecordAdapter.validate_json(r.value)
        for r in on_journeys_topic(await apply(sessions, builder(), journey()))
    ]
    credits = await apply(sessions, handler, records)
    before = await snapshot(sessions, "attribution")
    assert await apply(sessions, handler, records) == []
    assert await snapshot(sessions, "attribution") == before
    assert len(credits) == 2  # one touchpoint before the conversion, two models
    conversion = next(r for r in records if isinstance(r, Conversion))
    assert conversion.revenue == Decimal(100)


async def test_a_touchpoint_arriving_after_its_conversion_restates_the_credit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    handler = attributor("last_touch")
    records = [
        JourneyRecordAdapter.validate_json(r.value)
        for r in on_journeys_topic(await apply(sessions, builder(), journey()))
    ]
    conversion = next(r for r in records if isinstance(r, Conversion))
    touchpoint = next(r for r in records if isinstance(r, Touchpoint))
    unattributed = await apply(sessions, handler, [conversion])
    assert [Credit.model_validate_json(r.value).channel for r in unattributed] == ["(none)"]
    restated = [
        Credit.model_validate_json(r.value) for r in await apply(sessions, handler, [touchpoint])
    ]
    assert [(c.channel, c.revenue, c.retracted) for c in restated] == [
        ("paid_search", Decimal(100), False),
        ("(none)", Decimal(0), True),
    ]


async def test_feedback_redelivery_changes_nothing_and_one_case_per_person(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    journey_records = [
        JourneyRecordAdapter.validate_json(r.value)
        for r in on_journeys_topic(await apply(sessions, builder(), journey()))
    ]
    events = [
        event(minutes=0, type="track", user_id="u9", name="NPS Submitted", properties={"score": 5}),
        event(
            minutes=1,
            type="track",
            user_id="u9",
            name="NPS Submitted",
            properties={"score": 1, "comment": "broken"},
        ),
        event(minutes=2, type="track", user_id="u9", name="NPS Submitted", properties={"score": 9}),
        *journey(),  # not feedback: skipped
    ]
    first = await harness.batch(journeys=journey_records, events=events)
    before = await snapshot(sessions, "feedback")
    harness.advance(timedelta(hours=1))
    assert await harness.batch(journeys=journey_records, events=events) == []
    assert await snapshot(sessions, "feedback") == before
    assert kinds(first) == ["opened", "attached"]
    [case] = before["cases"]
    # two detractors (P2), the second a repeat within 30 days: raised to P1
    assert (case.priority, len(case.response_ids), case.summary) == (1, 2, "NPS 1: broken")
    assert len(before["responses"]) == 3
    assert [p.revenue for p in before["persons"]] == [{"EUR": "100.0000"}]
