"""One case per person, on the identity graph: a human's device, login, hashed email and CRM
contact share one case whatever order the identity links and the feedback arrive in."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events import IdentityLink, TrackingEvent
from shared.identity import email_hash
from tests.factories import T0
from tests.feedback import Harness, answer, kinds, link

PERSON = "person-ada"
EMAIL = f"email:{email_hash('ada@example.com')}"
CRM = "hubspot_contact:901"
HOUR = timedelta(hours=1)


def four_answers() -> list[TrackingEvent]:
    """Four detractor answers, each naming Ada by one identifier only."""
    return [
        answer(score=4, comment="late delivery", anonymous_id="device-1", at=T0),
        answer(score=3, user_id="ada", at=T0 + HOUR),
        answer("CSAT Submitted", score=1, identities={"email": EMAIL[6:]}, at=T0 + 2 * HOUR),
        answer(score=2, identities={"hubspot_contact": "901"}, at=T0 + 3 * HOUR),
    ]


def ada_links(version: int = 1) -> list[IdentityLink]:
    return [link(i, PERSON, version=version) for i in ("device-1", "ada", EMAIL, CRM)]


async def test_links_first_then_four_answers_by_four_identifiers_share_one_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(links=ada_links())
    out = await harness.batch(events=four_answers())
    [case] = await harness.cases()
    assert (case.person_id, case.status, len(case.response_ids)) == (PERSON, "open", 4)
    assert kinds(out) == ["opened", "attached", "attached", "attached"]


async def test_answers_first_get_provisional_people_that_merge_into_one_case_when_linked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(events=four_answers())
    before = await harness.cases()
    assert sorted(c.person_id for c in before) == sorted(
        ["unlinked:device-1", "unlinked:ada", f"unlinked:{EMAIL}", f"unlinked:{CRM}"]
    )
    out = await harness.batch(links=ada_links())
    cases = await harness.cases()
    active = [c for c in cases if c.status == "open"]
    assert len(active) == 1
    assert active[0].person_id == PERSON
    assert len(active[0].response_ids) == 4
    assert sorted(c.status for c in cases) == ["merged", "merged", "merged", "open"]
    assert {c.merged_into for c in cases if c.status == "merged"} == {active[0].case_id}
    assert kinds(out).count("merged") == 6  # three absorbed cases, each merge two events
    responses = await harness.sql("SELECT DISTINCT person_id FROM feedback.responses")
    assert [r.person_id for r in responses] == [PERSON]


async def test_links_arriving_between_answers_still_give_one_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    first, second, third, fourth = four_answers()
    await harness.batch(links=ada_links()[:2], events=[first, third])
    await harness.batch(events=[second])
    await harness.batch(links=ada_links()[2:], events=[fourth])
    active = [c for c in await harness.cases() if c.status == "open"]
    assert [(c.person_id, len(c.response_ids)) for c in active] == [(PERSON, 4)]


async def test_a_later_merge_of_two_people_merges_their_cases(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(links=[link("laptop", "p-old"), link("phone", "p-new")])
    await harness.batch(
        events=[
            answer(score=5, anonymous_id="laptop", at=T0),
            answer(score=1, comment="I was charged twice", anonymous_id="phone", at=T0 + HOUR),
        ]
    )
    assert len(await harness.cases()) == 2
    out = await harness.batch(links=[link("phone", "p-old", version=2, merged_from="p-new")])
    cases = {c.person_id: c for c in await harness.cases() if c.status != "merged"}
    assert list(cases) == ["p-old"]
    assert cases["p-old"].priority == 1
    assert len(cases["p-old"].response_ids) == 2
    assert "merged" in kinds(out)


async def test_identifiers_seen_beside_a_linked_one_resolve_to_its_person(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(links=[link("device-1", PERSON)])
    await harness.batch(events=[answer(score=9, anonymous_id="device-1", user_id="ada")])
    await harness.batch(events=[answer(score=2, user_id="ada")])
    [case] = await harness.cases()
    assert case.person_id == PERSON
    inferred = await harness.sql(
        "SELECT identifier, person_id, version FROM feedback.identities ORDER BY identifier"
    )
    assert [tuple(r) for r in inferred] == [("ada", PERSON, 0), ("device-1", PERSON, 1)]


@pytest.mark.parametrize("seed", range(6))
async def test_any_arrival_order_of_links_and_answers_ends_in_one_case(
    sessions: async_sessionmaker[AsyncSession], seed: int
) -> None:
    """The four links and four answers, shuffled into batches of one to three records."""
    rng = random.Random(seed)
    records: list[Any] = [*ada_links(), *four_answers()]
    rng.shuffle(records)
    harness = Harness(sessions)
    while records:
        size = rng.randint(1, 3)
        batch, records = records[:size], records[size:]
        await harness.batch(
            links=[r for r in batch if isinstance(r, IdentityLink)],
            events=[r for r in batch if isinstance(r, TrackingEvent)],
        )
    cases = await harness.cases()
    active = [c for c in cases if c.status == "open"]
    assert [(c.person_id, len(c.response_ids)) for c in active] == [(PERSON, 4)]
    assert all(c.status == "merged" for c in cases if c not in active)
    persons = await harness.sql("SELECT DISTINCT person_id FROM feedback.responses")
    assert [r.person_id for r in persons] == [PERSON]
    counted = await harness.sql(
        "SELECT sum(responses) AS n FROM feedback.response_counts GROUP BY instrument "
        "ORDER BY instrument"
    )
    assert [r.n for r in counted] == [1, 3]  # csat, nps: each counted once, wherever
