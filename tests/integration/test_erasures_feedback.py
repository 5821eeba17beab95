"""Erasures in feedback, on the real database: the person, their provisional persons, their
responses and cases (merged ones too) go; the counts and KPIs read the same; a tombstone on the
identities topic forgets an identifier, and a link after it starts the identifier over."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.feedback.consumer.decoding import IdentityForgotten
from services.feedback.consumer.identities import IdentityHandler
from services.feedback.eraser import erase_feedback
from services.feedback.kpis import case_kpis
from services.feedback.repository import counts
from services.feedback.tables import ERASURE_TABLES, JOBS, OUTBOX
from shared.events import IdentityLink, PersonErased
from shared.routes import Work
from shared.store import SqlTransaction
from tests.erasures import Erasures
from tests.factories import T0
from tests.feedback import Harness, answer, delivered, link, touchpoint
from tests.traces import traces

COUNTS = ("response_counts", "theme_counts")


async def kpis(sessions: async_sessionmaker[AsyncSession]) -> Any:
    async with sessions() as session:
        found = await counts.case_counts(session, date(2026, 1, 1), date(2026, 12, 31))
    return case_kpis(found, grain="all", by=["channel", "campaign"])


async def maintained(harness: Harness) -> dict[str, list[Any]]:
    return {
        name: sorted(await harness.sql(f"SELECT * FROM feedback.{name}"), key=repr)  # noqa: S608 - constants
        for name in COUNTS
    }


async def two_customers(harness: Harness) -> None:
    """anon-p answers before its link (a provisional person and case), then user-p answers
    as person P and anon-p's link arrives: the cases merge. K is someone else entirely."""
    await harness.batch(
        events=[answer(score=1, comment="the parcel never came", anonymous_id="anon-p")]
    )
    harness.advance(timedelta(minutes=5))
    await harness.batch(
        links=[link("user-p", "P"), link("user-k", "K")],
        journeys=[touchpoint("tp-p", "P", campaign="spring"), touchpoint("tp-k", "K")],
        events=[
            answer(score=2, comment="and support hung up on me", user_id="user-p"),
            answer(score=0, comment="worst shop ever", user_id="user-k", at=T0),
        ],
    )
    harness.advance(timedelta(minutes=5))
    await harness.batch(links=[link("anon-p", "P")])


async def test_feedback_erases_the_person_whole_and_every_count_and_kpi_stays(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    harness = Harness(sessions)
    await two_customers(harness)
    # The merged case keeps the provisional person it was opened for.
    cases = {(row.person_id, row.status) for row in await harness.cases()}
    assert cases == {("P", "open"), ("unlinked:anon-p", "merged"), ("K", "open")}
    before, kpis_before = await maintained(harness), await kpis(sessions)
    erasures = Erasures(
        sessions, ERASURE_TABLES, erase_feedback, kind=PersonErased, outbox=OUTBOX, jobs=JOBS
    )
    # The sessionizer names user-p only: anon-p and the provisional person are feedback's own.
    erased = PersonErased(request_id="r", person_id="P", identifiers=("user-p",), erased_at=T0)
    await erasures.receive([erased], now=harness.now)
    await erasures.apply(now=harness.now)

    needles = ["anon-p", "user-p", "parcel never came", "hung up on me", "tp-p"]
    assert await traces(database_url, needles) == {}
    assert [row.person_id for row in await harness.cases()] == ["K"]
    assert await harness.sql("SELECT text FROM feedback.responses") == [("worst shop ever",)]
    assert await maintained(harness) == before
    assert await kpis(sessions) == kpis_before
    persons, erased_rows = await erasures.record("r")
    assert persons == 1
    assert (erased_rows["cases"], erased_rows["responses"], erased_rows["identities"]) == (2, 2, 2)


async def forget(harness: Harness, values: list[IdentityLink | IdentityForgotten]) -> None:
    async with harness.sessions() as session, session.begin():
        work = Work(tx=SqlTransaction(session, outbox_table=OUTBOX, jobs_table=JOBS), now=T0)
        await IdentityHandler(harness.feedback)(work, delivered(values))


async def test_a_tombstone_forgets_the_identifier_and_a_link_after_it_starts_it_over(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(links=[link("user-k", "K", version=3), link("user-j", "J")])
    await forget(harness, [IdentityForgotten("user-k")])
    mapped = "SELECT identifier, person_id, version FROM feedback.identities ORDER BY 1"
    assert await harness.sql(mapped) == [("user-j", "J", 1)]
    # Erased, then seen again: the sessionizer numbers its links from 1 again.
    await forget(harness, [link("user-j", "J", version=2), IdentityForgotten("user-j")])
    await forget(harness, [IdentityForgotten("user-k"), link("user-k", "K2", version=1)])
    assert await harness.sql(mapped) == [("user-k", "K2", 1)]


async def test_a_case_merged_into_the_persons_goes_whoever_it_was_opened_for(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """person-x is merged into person-p by the sessionizer: their active cases merge, and the
    merged one keeps naming person-x, which the announcement of person-p does not name."""
    harness = Harness(sessions)
    await harness.batch(
        links=[link("user-x", "person-x"), link("user-y", "person-p")],
        events=[
            answer(score=1, comment="late again", user_id="user-x"),
            answer(score=2, comment="rude driver", user_id="user-y"),
        ],
    )
    harness.advance(timedelta(minutes=5))
    await harness.batch(links=[link("user-x", "person-p", version=2, merged_from="person-x")])
    cases = {(row.person_id, row.status) for row in await harness.cases()}
    assert cases == {("person-p", "open"), ("person-x", "merged")}
    erasures = Erasures(
        sessions, ERASURE_TABLES, erase_feedback, kind=PersonErased, outbox=OUTBOX, jobs=JOBS
    )
    erased = PersonErased(
        request_id="r", person_id="person-p", identifiers=("user-x", "user-y"), erased_at=T0
    )
    await erasures.receive([erased], now=harness.now)
    await erasures.apply(now=harness.now)
    assert await harness.cases() == []
    assert await traces(database_url, ["person-x", "person-p", "late again", "rude driver"]) == {}
