"""Identity links on the real database: an identifier is published when first seen and again,
with a higher version, each time a merge moves it; a redelivery publishes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sessionizer.identity import person_id_of
from services.sessionizer.journeys import JourneyBuilder, JourneyRules, Topics
from services.sessionizer.metrics import SessionizerMetrics
from services.sessionizer.sessions import SessionRules
from services.sessionizer.tables import JOBS, OUTBOX
from services.sessionizer.touchpoints import EventRoles
from shared.broker import Record
from shared.events import IdentityLink, TrackingEvent
from shared.routes import Delivery, Work
from shared.service import utc_now
from shared.store import SqlTransaction
from tests.factories import event

BUILDER = JourneyBuilder(
    JourneyRules(
        sessions=SessionRules(),
        roles=EventRoles(touch_events=frozenset(), background_events=frozenset(), conversions={}),
    ),
    topics=Topics(journeys="journeys", late_events="late", identities="identities"),
    metrics=SessionizerMetrics(CollectorRegistry()),
)


async def links(
    sessions: async_sessionmaker[AsyncSession], events: Sequence[TrackingEvent]
) -> list[IdentityLink]:
    """The identity links one batch of ``events`` emits (keyed by their identifier)."""
    deliveries = [
        Delivery(e, Record("raw", 0, offset, None, None)) for offset, e in enumerate(events)
    ]
    async with sessions() as session, session.begin():
        tx = SqlTransaction(session, outbox_table=OUTBOX, jobs_table=JOBS)
        records = await BUILDER(Work(tx=tx, now=utc_now()), deliveries)
    found = [IdentityLink.model_validate_json(r.value) for r in records if r.topic == "identities"]
    assert all(
        r.key == IdentityLink.model_validate_json(r.value).identifier
        for r in records
        if r.topic == "identities"
    )
    return found


def summary(found: Sequence[IdentityLink]) -> set[tuple[str, str, int, str | None]]:
    return {(link.identifier, link.person_id, link.version, link.merged_from) for link in found}


async def stored_versions(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with sessions() as session:
        rows = await session.execute(
            text("SELECT identifier, person_id, version FROM sessionizer.identities")
        )
        return {row.identifier: (row.person_id, row.version) for row in rows}


async def test_an_identifier_is_published_once_when_first_seen(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    device = person_id_of("anon-1")
    first = await links(sessions, [event(minutes=0, anonymous_id="anon-1")])
    assert summary(first) == {("anon-1", device, 1, None)}
    login = await links(
        sessions,
        [
            event(minutes=1, anonymous_id="anon-1"),
            event(minutes=2, type="identify", anonymous_id="anon-1", user_id="user-1"),
        ],
    )
    # The device is known already; the user joins its person, the older one.
    assert summary(login) == {("user-1", device, 1, None)}


async def test_a_merge_republishes_every_identifier_of_the_absorbed_person_with_a_higher_version(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    phone, laptop = person_id_of("phone"), person_id_of("laptop")
    email = event(minutes=11, type="identify", anonymous_id="laptop", user_id="user-1")
    email = email.model_copy(update={"identities": {"email": "ab" * 32}})
    await links(
        sessions,
        [
            event(minutes=0, anonymous_id="phone"),
            event(minutes=1, type="identify", anonymous_id="phone", user_id="user-1"),
            event(minutes=10, anonymous_id="laptop"),
        ],
    )
    # The laptop, seen after the phone, logs in as the phone's user: its person is absorbed.
    merged = await links(sessions, [email])
    assert summary(merged) == {
        ("laptop", phone, 2, laptop),
        ("email:" + "ab" * 32, phone, 1, None),
    }
    # A device that was in use before all of them logs in: now the oldest, it takes them all.
    earlier = event(minutes=-5, type="identify", anonymous_id="tablet", user_id="user-1")
    moved = await links(sessions, [earlier])
    tablet = person_id_of("tablet")
    assert summary(moved) == {
        ("tablet", tablet, 1, None),
        ("phone", tablet, 2, phone),
        ("user-1", tablet, 2, phone),
        ("laptop", tablet, 3, phone),
        ("email:" + "ab" * 32, tablet, 2, phone),
    }
    assert await stored_versions(sessions) == {
        link.identifier: (link.person_id, link.version) for link in moved
    }


async def test_a_redelivered_batch_publishes_no_identity_link(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    batch = [
        event(minutes=0, anonymous_id="phone"),
        event(minutes=1, anonymous_id="laptop"),
        event(minutes=2, type="identify", anonymous_id="laptop", user_id="user-1"),
        event(minutes=3, type="identify", anonymous_id="phone", user_id="user-1"),
    ]
    first = await links(sessions, batch)
    before = await stored_versions(sessions)
    assert await links(sessions, batch) == []
    assert await stored_versions(sessions) == before
    # One batch publishes each identifier's newest link only: the laptop moved once.
    assert summary(first) == {
        ("phone", person_id_of("phone"), 1, None),
        ("user-1", person_id_of("phone"), 2, person_id_of("laptop")),
        ("laptop", person_id_of("phone"), 2, person_id_of("laptop")),
    }
