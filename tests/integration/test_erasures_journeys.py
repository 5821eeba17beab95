"""Erasures in the sessionizer and in attribution, on the real database, as their loops apply
them: what goes, what stays, what is announced, and that a redelivery changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.eraser import AttributionEraser
from services.attribution.metrics import AttributionMetrics
from services.attribution.restating import Restater
from services.attribution.settings import AttributionOptions
from services.attribution.stream import JourneyHandler
from services.attribution.tables import ERASURE_TABLES as ATTRIBUTION_ERASURES
from services.attribution.tables import JOBS as ATTRIBUTION_JOBS
from services.attribution.tables import OUTBOX as ATTRIBUTION_OUTBOX
from services.sessionizer.eraser import JourneyEraser
from services.sessionizer.tables import ERASURE_TABLES, JOBS, OUTBOX
from shared.events import Conversion, Credit, ErasureRequest, PersonErased, Touchpoint
from tests.erasures import Erasures
from tests.factories import T0, event
from tests.integration.test_handlers_idempotent import apply, builder
from tests.traces import traces

LATER = T0 + timedelta(days=1)


def sessionizer_erasures(sessions: async_sessionmaker[AsyncSession]) -> Erasures:
    eraser = JourneyEraser(privacy_topic="privacy", identities_topic="identities")
    return Erasures(sessions, ERASURE_TABLES, eraser, kind=ErasureRequest, outbox=OUTBOX, jobs=JOBS)


def two_visitors() -> list[Any]:
    """user-p on two devices (anon-p3 merges into anon-p1's person when it logs in), and
    anon-q alone. (No identifier a uuid could contain: the scan looks for substrings.)"""
    return [
        event(minutes=0, anonymous_id="anon-p1", campaign="spring", channel="paid_search"),
        event(minutes=5, anonymous_id="anon-p1", type="identify", user_id="user-p"),
        event(
            minutes=10,
            anonymous_id="anon-p1",
            user_id="user-p",
            type="track",
            name="Order Completed",
            properties={"revenue": 100, "currency": "EUR"},
        ),
        event(minutes=20, anonymous_id="anon-p3"),
        event(minutes=25, anonymous_id="anon-p3", type="identify", user_id="user-p"),
        event(minutes=0, anonymous_id="anon-q", campaign="autumn", channel="email"),
    ]


async def rows(sessions: async_sessionmaker[AsyncSession], sql: str) -> list[Any]:
    async with sessions() as session:
        return [tuple(row) for row in (await session.execute(text(sql))).all()]


async def test_the_sessionizer_erases_the_whole_person_of_one_identifier_and_announces_it(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await apply(sessions, builder(), two_visitors())
    [(person,)] = await rows(
        sessions, "SELECT person_id FROM sessionizer.identities WHERE identifier = 'user-p'"
    )
    assert await rows(sessions, "SELECT count(*) FROM sessionizer.merges") == [(1,)]
    erasures = sessionizer_erasures(sessions)
    request = ErasureRequest(request_id="r-1", identifiers=("user-p",), requested_at=LATER)
    await erasures.receive([request], now=LATER)
    assert await erasures.queued() == [("r-1", ["user-p"])]

    out = await erasures.apply(now=LATER)
    [announced] = [PersonErased.model_validate_json(r.value) for r in out if r.topic == "privacy"]
    assert (announced.person_id, announced.identifiers) == (
        person,
        ("anon-p1", "anon-p3", "user-p"),
    )
    assert sorted(r.key for r in out if r.topic == "identities" and r.tombstone) == [
        "anon-p1",
        "anon-p3",
        "user-p",
    ]
    assert (
        await traces(database_url, ["anon-p1", "anon-p3", "user-p", person]) == {}
    )  # the queue row too
    assert await rows(sessions, "SELECT identifier FROM sessionizer.identities") == [("anon-q",)]
    assert await rows(sessions, "SELECT campaign FROM sessionizer.touchpoints") == [("autumn",)]
    persons, counted = await erasures.record("r-1")
    assert persons == 1
    assert (counted["identities"], counted["conversions"], counted["merges"]) == (3, 1, 1)


async def test_a_redelivered_request_or_event_of_an_erased_person_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    events = two_visitors()
    await apply(sessions, builder(), events)
    erasures = sessionizer_erasures(sessions)
    request = ErasureRequest(request_id="r-1", identifiers=("anon-p1",), requested_at=LATER)
    await erasures.receive([request], now=LATER)
    await erasures.apply(now=LATER)
    await erasures.receive([request], now=LATER)  # the same record, redelivered
    assert await erasures.queued() == []
    assert await erasures.apply(now=LATER) == []
    assert (await erasures.record("r-1"))[0] == 1
    # processed_events keeps the messageIds: the person's events, read again, are duplicates.
    assert await apply(sessions, builder(), events) == []
    assert await rows(sessions, "SELECT identifier FROM sessionizer.identities") == [("anon-q",)]


async def test_an_identifier_nobody_has_is_announced_for_the_services_that_may_hold_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    erasures = sessionizer_erasures(sessions)
    request = ErasureRequest(request_id="r-2", identifiers=("unseen",), requested_at=LATER)
    await erasures.receive([request], now=LATER)
    out = await erasures.apply(now=LATER)
    assert [PersonErased.model_validate_json(r.value).identifiers for r in out] == [("unseen",)]
    assert await erasures.record("r-2") == (
        1,
        {
            t: 0
            for t in (
                "conversions",
                "identities",
                "merges",
                "sessions",
                "touchpoints",
                "web_events",
            )
        },
    )


def touch(touchpoint_id: str, person: str, channel: str) -> Touchpoint:
    return Touchpoint(
        touchpoint_id=touchpoint_id, person_id=person, occurred_at=T0, channel=channel
    )


def won(
    conversion_id: str, person: str, *, deal: str | None, stage: str = "won", hours: int = 1
) -> Conversion:
    return Conversion(
        conversion_id=conversion_id,
        person_id=person,
        occurred_at=T0 + timedelta(hours=hours),
        name="Deal Won",
        revenue=Decimal(1000),
        currency="EUR",
        stage=stage,
        deal_id=deal,
    )


def restater() -> Restater:
    options = AttributionOptions.model_validate({"models": ["last_touch", "linear"]})
    return Restater(
        options.lineup(),
        credits_topic="credits",
        metrics=AttributionMetrics(CollectorRegistry()),
        money=options.money(),
    )


TOTALS = (
    "SELECT model, stage, sum(conversions), sum(revenue) FROM attribution.credit_totals "
    "WHERE dimension = 'channel' GROUP BY 1, 2 ORDER BY 1, 2"
)
# What the reports and the fitted models read: an erasure leaves them as they were.
AGGREGATES = (
    "credit_totals",
    "credit_months",
    "credit_versions",
    "reach",
    "reach_months",
    "fitted_counts",
)


async def aggregates(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[Any]]:
    return {
        name: sorted(await rows(sessions, f"SELECT * FROM attribution.{name}"), key=repr)  # noqa: S608 - constants
        for name in AGGREGATES
    }


def attribution_erasures(sessions: async_sessionmaker[AsyncSession], stream: Restater) -> Erasures:
    return Erasures(
        sessions,
        ATTRIBUTION_ERASURES,
        AttributionEraser(stream),
        kind=PersonErased,
        outbox=ATTRIBUTION_OUTBOX,
        jobs=ATTRIBUTION_JOBS,
    )


def erasure_of(person: str) -> PersonErased:
    return PersonErased(
        request_id=f"r-{person}", person_id=person, identifiers=(f"u-{person}",), erased_at=LATER
    )


async def test_attribution_erases_a_person_and_keeps_every_aggregate_as_it_was(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    stream = restater()
    records = [
        touch("t-c", "C", "social"),
        touch("t-d", "D", "email"),
        won("c-c", "C", deal="crm:d9"),
        won("c-d", "D", deal=None, stage="purchase"),
    ]
    await apply(sessions, JourneyHandler(stream), records)
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO attribution.deal_losses VALUES ('crm:d9', now())"))
        await session.execute(
            text("INSERT INTO attribution.walks VALUES ('k', 'C', 1, now(), null)")
        )
    before = await aggregates(sessions)
    erasures = attribution_erasures(sessions, stream)
    await erasures.receive([erasure_of("C")], now=LATER)
    assert await erasures.apply(now=LATER) == []

    assert await traces(database_url, ["t-c", "c-c", "crm:d9"]) == {}
    assert await rows(sessions, "SELECT person_id FROM attribution.persons") == [("D",)]
    assert await aggregates(sessions) == before
    # The walk had stopped at C: it goes on from the person before (none here), not from C.
    assert await rows(sessions, "SELECT cursor FROM attribution.walks") == [("",)]
    persons, counted = await erasures.record("r-C")
    assert persons == 1
    assert counted == {
        "conversions": 1,
        "credits": 2,
        "deal_losses": 1,
        "outcomes": 1,
        "persons": 1,
        "touchpoints": 1,
    }


async def test_a_deal_shared_with_an_erased_person_is_credited_to_the_other_totals_unchanged(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """A and B are two contacts of one won deal, A's the latest won event (the deal's outcome
    is A's). Erasing A leaves B the deal, credited to B's touchpoint now; the totals by model
    and stage are those before."""
    stream = restater()
    records = [
        touch("t-a", "A", "email"),
        touch("t-b", "B", "paid_search"),
        won("c-a", "A", deal="crm:d1", hours=2),
        won("c-b", "B", deal="crm:d1"),
    ]
    await apply(sessions, JourneyHandler(stream), records)
    before = await rows(sessions, TOTALS)
    erasures = attribution_erasures(sessions, stream)
    await erasures.receive([erasure_of("A")], now=LATER)
    restated = await erasures.apply(now=LATER)

    assert await traces(database_url, ["t-a", "c-a"]) == {}
    assert await rows(sessions, "SELECT person_id, deal_id FROM attribution.outcomes") == [
        ("B", "crm:d1")
    ]
    assert await rows(sessions, TOTALS) == before
    credits = [Credit.model_validate_json(r.value) for r in restated]
    assert {(c.channel, c.retracted) for c in credits} == {("paid_search", False), ("email", True)}
    assert {c.person_id: c.retracted for c in credits} == {"B": False, "": True}
