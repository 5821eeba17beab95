"""Responses through the real handlers on the real database: negativity with the text, triage
from customer value, reopening and recovery, redelivery, and what goes out."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.feedback.policy import FeedbackPolicy
from tests.factories import T0
from tests.feedback import (
    FOLLOWUPS,
    Harness,
    answer,
    api_client,
    conversion,
    events_of,
    kinds,
    link,
    queue_topics,
    staged,
)
from tests.integration.test_handlers_idempotent import snapshot

DAY = timedelta(days=1)


async def test_a_churn_comment_overrides_a_promoter_score_in_french_and_in_english(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    out = await harness.batch(
        events=[
            answer(score=10, comment="Super appli mais je résilie", user_id="fr-1", language="fr"),
            answer(score=10, comment="Great app but I am cancelling", user_id="en-1"),
            answer(score=10, comment="Great app, thanks", user_id="happy-1"),
        ]
    )
    cases = {c.person_id: c for c in await harness.cases()}
    assert sorted(cases) == ["unlinked:en-1", "unlinked:fr-1"]
    assert {c.priority for c in cases.values()} == {1}  # critical intent
    rows = await harness.sql(
        "SELECT person_id, negative, cause, language, intents FROM feedback.responses "
        "ORDER BY person_id"
    )
    assert [tuple(r) for r in rows] == [
        ("unlinked:en-1", True, "intent", "en", ["churn"]),
        ("unlinked:fr-1", True, "intent", "fr", ["churn"]),
        ("unlinked:happy-1", False, None, "en", []),
    ]
    assert kinds(out) == ["opened", "opened"]


async def test_priority_and_queue_come_from_the_persons_revenue_in_the_reporting_currency(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions, rates={"EUR": Decimal("1.10")})
    await harness.batch(
        links=[link("big", "p-big"), link("small", "p-small"), link("euro", "p-euro")],
        journeys=[
            conversion("c1", "p-big", 900),
            conversion("c2", "p-big", 600),
            conversion("c3", "p-small", 100),
            conversion("c4", "p-euro", 1000, currency="EUR"),  # 1100 USD at the rate
        ],
    )
    out = await harness.batch(
        events=[answer(score=3, user_id=who) for who in ("big", "small", "euro")]
    )
    cases = {c.person_id: (c.priority, c.queue) for c in await harness.cases()}
    assert cases == {"p-big": (1, "sales"), "p-euro": (1, "sales"), "p-small": (2, "support")}
    sales = queue_topics(harness.policy)["sales"]
    assert sorted(e.person_id for e in events_of(out, sales)) == ["p-big", "p-euro"]
    assert all(e.kind == "opened" for e in events_of(out, sales))


async def test_a_currency_without_a_rate_does_not_count_toward_value(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(
        links=[link("yen", "p-yen")], journeys=[conversion("c1", "p-yen", 500000, currency="JPY")]
    )
    await harness.batch(events=[answer(score=3, user_id="yen")])
    [case] = await harness.cases()
    assert (case.priority, case.queue) == (2, "support")


async def test_redelivered_batches_change_nothing_and_emit_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    links = [link("a1", "p1"), link("u1", "p1")]
    events = [
        answer(score=6, comment="late delivery", anonymous_id="a1"),
        answer(score=2, user_id="u1", at=T0 + DAY),
        answer(score=9, user_id="u2"),
        answer("CES Submitted", score=2, anonymous_id="a9"),
    ]
    first = await harness.batch(links=links, events=events)
    before = await snapshot(sessions, "feedback")
    harness.advance(DAY)
    assert await harness.batch(links=links, events=events) == []
    assert await snapshot(sessions, "feedback") == before
    assert kinds(first) == ["opened", "attached", "opened"]


async def test_a_negative_after_resolution_reopens_and_a_later_promoter_marks_recovery(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(events=[answer(score=2, user_id="u1", at=T0)])
    [case] = await harness.cases()
    async with api_client(harness) as api:
        resolved = await api.post(
            f"/v1/cases/{case.case_id}/resolve",
            json={"note": "refunded", "rootCause": "carrier", "version": case.version},
        )
        assert resolved.status_code == 200, resolved.text
    harness.advance(3 * DAY)
    out = await harness.batch(events=[answer(score=1, user_id="u1", at=T0 + 3 * DAY)])
    assert kinds(out) == ["reopened", "attached"]
    [reopened] = await harness.cases()
    assert (reopened.case_id, reopened.status, reopened.reopen_count) == (case.case_id, "open", 1)
    async with api_client(harness) as api:
        again = await api.post(
            f"/v1/cases/{case.case_id}/resolve",
            headers={"If-Match": f'"{reopened.version}"'},
            json={"note": "called back", "rootCause": "carrier", "survey": True},
        )
        assert again.status_code == 200, again.text
    loop = [e for e in await staged(harness) if e.kind == "close_the_loop"]
    assert [e.detail["survey"] for e in loop] == [False, True]
    harness.advance(10 * DAY)
    out = await harness.batch(events=[answer(score=9, user_id="u1", at=T0 + 13 * DAY)])
    assert kinds(out) == ["recovered"]
    [recovered] = await harness.cases()
    assert (recovered.status, recovered.recovered) == ("resolved", True)


async def test_a_negative_long_after_resolution_opens_a_new_case_linked_to_the_old_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(events=[answer(score=2, user_id="u1", at=T0)])
    [case] = await harness.cases()
    async with api_client(harness) as api:
        body = {"note": "done", "rootCause": "product", "recovered": False, "version": 1}
        assert (await api.post(f"/v1/cases/{case.case_id}/resolve", json=body)).is_success
    harness.advance(40 * DAY)
    out = await harness.batch(events=[answer(score=5, user_id="u1", at=T0 + 40 * DAY)])
    [opened] = events_of(out)
    assert opened.kind == "opened"
    new = [c for c in await harness.cases() if c.case_id != case.case_id]
    # detractor P2, raised to P1: the last case was resolved as not recovered
    assert [c.priority for c in new] == [1]
    rows = await harness.sql(
        "SELECT previous_case_id FROM feedback.cases WHERE case_id = :id", id=opened.case_id
    )
    assert rows[0].previous_case_id == case.case_id


async def test_every_case_event_goes_to_the_followups_topic_keyed_by_person(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    policy = FeedbackPolicy()
    harness = Harness(sessions, policy=policy)
    out = await harness.batch(events=[answer(score=3, comment="late", user_id="u1")])
    topics: dict[str, Any] = {r.topic: r for r in out}
    delivery = queue_topics(policy)["delivery"]
    assert sorted(topics) == sorted([FOLLOWUPS, delivery])
    assert {r.key for r in out} == {"unlinked:u1"}
    [event] = events_of(out)
    assert (event.queue, event.status, event.priority) == ("delivery", "open", 2)
    assert event.detail["summary"] == "NPS 3: late"
