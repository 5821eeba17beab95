"""The maintained counts on the real database: KPIs per acquisition segment stay true whatever
order responses, links and touchpoints arrive in; theme spikes; the SLA job's escalations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.feedback.jobs import SlaJob, TrendsJob
from shared.events import SpikeAlertRecord
from shared.producer import OutgoingRecord
from tests.factories import T0
from tests.feedback import (
    Harness,
    answer,
    api_client,
    conversion,
    events_of,
    link,
    touchpoint,
)

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
MONDAY = datetime(2026, 3, 2, 9, tzinfo=T0.tzinfo)  # T0 is Sunday 2026-03-01


async def counts(harness: Harness) -> list[tuple[Any, ...]]:
    rows = await harness.sql(
        "SELECT instrument, channel, campaign, responses, negative, positive "
        "FROM feedback.response_counts WHERE responses <> 0 OR negative <> 0 "
        "ORDER BY instrument, channel, campaign"
    )
    return [tuple(r) for r in rows]


async def test_a_response_before_its_link_and_touchpoint_ends_counted_under_its_campaign(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(events=[answer(score=2, user_id="u1"), answer(score=10, user_id="u2")])
    assert await counts(harness) == [("nps", "", "", 2, 1, 1)]
    await harness.batch(links=[link("u1", "p1")])
    await harness.batch(journeys=[touchpoint("t1", "p1", campaign="spring")])
    assert await counts(harness) == [("nps", "", "", 1, 0, 1), ("nps", "email", "spring", 1, 1, 0)]
    # an earlier touchpoint from another campaign becomes the first touch
    await harness.batch(
        journeys=[touchpoint("t0", "p1", at=T0 - DAY, channel="paid_search", campaign="brand")]
    )
    assert await counts(harness) == [
        ("nps", "", "", 1, 0, 1),
        ("nps", "paid_search", "brand", 1, 1, 0),
    ]
    # …and is retracted (its session merged into another): back to the email campaign
    await harness.batch(
        journeys=[
            touchpoint(
                "t0",
                "p1",
                at=T0 - DAY,
                channel="paid_search",
                campaign="brand",
                version=2,
                retracted=True,
            )
        ]
    )
    assert await counts(harness) == [("nps", "", "", 1, 0, 1), ("nps", "email", "spring", 1, 1, 0)]


async def test_a_rekeyed_conversion_moves_revenue_to_its_new_person(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(journeys=[conversion("c1", "p-a", 700), conversion("c2", "p-b", 400)])
    await harness.batch(journeys=[conversion("c1", "p-b", 700, version=2)])
    await harness.batch(journeys=[conversion("c1", "p-a", 700, version=1)])  # stale: ignored
    rows = await harness.sql("SELECT person_id, revenue, conversions FROM feedback.persons")
    assert [tuple(r) for r in rows] == [("p-b", {"USD": "1100.0000"}, 2)]


async def test_kpis_per_acquisition_campaign_from_the_maintained_counts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(
        links=[link("u1", "p1"), link("u2", "p2"), link("u3", "p3")],
        journeys=[
            touchpoint("t1", "p1", campaign="spring"),
            touchpoint("t2", "p2", campaign="spring"),
            touchpoint("t3", "p3", channel="paid_search", campaign="brand"),
        ],
    )
    await harness.batch(
        events=[
            answer(score=2, user_id="u1"),
            answer(score=10, user_id="u2"),
            answer("CSAT Submitted", score=5, user_id="u3"),
        ]
    )
    [case] = await harness.cases()
    harness.advance(2 * HOUR)
    async with api_client(harness) as api:
        ack = await api.post(f"/v1/cases/{case.case_id}/acknowledge", json={"version": 1})
        assert ack.status_code == 200, ack.text
        body = (
            await api.get("/v1/feedback/kpis", params={"grain": "all", "by": "campaign"})
        ).json()
    rows = {row["campaign"]: row for row in body["rows"]}
    assert sorted(rows) == ["brand", "spring"]
    spring = rows["spring"]
    assert (spring["responses"], spring["nps"], spring["casesOpened"]) == (2, 0.0, 1)
    assert spring["timeToFirstContactSeconds"] == 7200.0
    assert spring["contactedWithinSla"] == 100.0
    assert (rows["brand"]["csat"], rows["brand"]["casesOpened"]) == (100.0, 0)


async def weeks_of_complaints(harness: Harness, per_week: list[int]) -> None:
    """Each week from 5 weeks before MONDAY: 20 other answers, and ``n`` delivery complaints."""
    start = MONDAY - 5 * 7 * DAY
    events = []
    for week, n in enumerate(per_week):
        at = start + week * 7 * DAY
        events += [
            answer(score=9, comment="great", user_id=f"w{week}-{i}", at=at) for i in range(20)
        ]
        events += [
            answer(score=3, comment="late delivery", user_id=f"w{week}-late{i}", at=at + HOUR)
            for i in range(n)
        ]
    await harness.batch(events=events)


async def run_job(harness: Harness, job: Any, now: datetime) -> list[OutgoingRecord]:
    async with harness.sessions() as session, session.begin():
        out: list[OutgoingRecord] = await job(session, now)
        return out


async def test_a_weekly_spike_of_a_theme_is_alerted_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await weeks_of_complaints(harness, [2, 3, 2, 2, 16])
    job = TrendsJob(harness.feedback, alerts_topic="alerts", lookback=14 * DAY)
    out = await run_job(harness, job, MONDAY)
    alerts = [SpikeAlertRecord.model_validate_json(r.value) for r in out]
    weekly = [(a.theme, a.window, a.kind) for a in alerts if a.window == "week"]
    assert weekly == [("delivery", "week", "spike")]
    assert alerts[0].starts_on == (MONDAY - 7 * DAY).date()
    assert await run_job(harness, job, MONDAY + HOUR) == []  # raised once
    async with api_client(harness) as api:
        themes = (await api.get("/v1/feedback/themes", params={"from": "2026-02-23"})).json()
    [week] = [w for w in themes["weeks"] if w["theme"] == "delivery"]
    assert (week["negative"], week["spike"]["kind"]) == (16, "spike")


async def test_a_flat_series_of_complaints_raises_no_alert(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await weeks_of_complaints(harness, [3, 3, 3, 3, 3])
    job = TrendsJob(harness.feedback, alerts_topic="alerts", lookback=14 * DAY)
    assert await run_job(harness, job, MONDAY) == []


async def test_the_sla_job_escalates_an_overdue_case_once_at_the_level_it_reached(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(events=[answer(score=1, comment="I was charged twice", user_id="u1")])
    job = SlaJob(harness.feedback)
    assert await run_job(harness, job, T0 + HOUR) == []
    # down for 29 hours: the P1 first-contact clock passed its deadline (4 h), the manager
    # step (+4 h) and the head-of-CX step (+24 h): one escalation, at the top level
    out = await run_job(harness, job, T0 + 29 * HOUR)
    [event] = events_of(out)
    assert (event.kind, event.detail["notify"], event.detail["from_level"]) == (
        "escalated",
        "head_of_cx",
        0,
    )
    assert await run_job(harness, job, T0 + 30 * HOUR) == []
    out = await run_job(harness, job, T0 + 37 * HOUR)  # 75 % of the 48 h resolve clock
    assert [(e.kind, e.detail["clock"]) for e in events_of(out)] == [("sla_warning", "resolve")]


async def test_an_escalation_raises_a_p2_case_in_the_queue(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    harness = Harness(sessions)
    await harness.batch(events=[answer(score=4, user_id="u1")])
    job = SlaJob(harness.feedback)
    out = await run_job(harness, job, T0 + 25 * HOUR)
    assert [(e.kind, e.priority) for e in events_of(out)] == [("escalated", 1)]
    [case] = await harness.cases()
    assert case.priority == 1
    rows = await harness.sql("SELECT next_due_at, sla_priority FROM feedback.cases")
    assert (rows[0].next_due_at, rows[0].sla_priority) == (T0 + 48 * HOUR, 2)
