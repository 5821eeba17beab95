"""A shuffled, duplicated stream with login merges, through real Kafka into a real sessionizer
process that is killed with SIGKILL mid-way and restarted: its journeys equal those of an
uninterrupted run, and both equal the journeys computed from the whole event set in sorted order.
"""

from __future__ import annotations

import os
import random
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import text

from services.sessionizer.__main__ import journey_rules
from services.sessionizer.identity import IdentityNode, resolve
from services.sessionizer.journeys import identifiers_of
from services.sessionizer.sessions import SessionRules, sessionize
from services.sessionizer.settings import SessionizerOptions
from services.sessionizer.touchpoints import session_touchpoint, web_event
from shared.database import create_engine
from shared.events import Campaign, Conversion, JourneyRecord, Touchpoint, TrackingEvent
from shared.ids import stable_id
from shared.settings import DatabaseSettings, TopicSettings
from tests import infra

START = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
LATENESS = timedelta(days=4)
RULES = SessionRules(timeout=timedelta(minutes=30), max_length=timedelta(hours=24))
PORT = int(os.environ.get("BOUCLE_E2E_PORT_BASE", "18000")) + 11


def visitor(rng: random.Random, n: int) -> list[TrackingEvent]:
    """One device: page views in bursts over two days, a login for most, an order for some.
    Devices 2k and 2k+1 log in as the same user: a merge of two persons."""
    anonymous_id, user_id = f"anon-{n}", f"user-{n // 2}" if n % 5 else None
    at, out = START + timedelta(minutes=rng.randint(0, 600)), []
    for i in range(rng.randint(6, 14)):
        at += timedelta(minutes=rng.choice([2, 5, 9, 25, 31, 45, 180]))
        tagged = i == 0 or rng.random() < 0.1
        out.append(
            make(
                f"{n}-{i}",
                "page",
                at,
                anonymous_id,
                None,
                campaign=f"camp-{rng.randint(0, 4)}" if tagged else None,
            )
        )
        if user_id and i == 3:
            out.append(make(f"{n}-login", "identify", at, anonymous_id, user_id))
    if user_id and n % 3 == 0:
        out.append(
            make(
                f"{n}-order",
                "track",
                at + timedelta(minutes=1),
                anonymous_id,
                user_id,
                name="Order Completed",
                properties={"revenue": 10 * n, "currency": "EUR"},
            )
        )
    return out


def make(
    mid: str,
    kind: str,
    at: datetime,
    anonymous_id: str,
    user_id: str | None,
    *,
    campaign: str | None = None,
    name: str | None = None,
    properties: dict[str, Any] | None = None,
) -> TrackingEvent:
    return TrackingEvent.model_validate(
        {
            "messageId": f"m-{mid}",
            "type": kind,
            "sourceId": "test",
            "anonymousId": anonymous_id,
            "userId": user_id,
            "event": name,
            "properties": properties or {},
            "timestamp": at,
            "receivedAt": at,
            "channel": "paid_search" if campaign else "direct",
            "campaign": Campaign(name=campaign, source="google", medium="cpc") if campaign else {},
        }
    )


@dataclass(frozen=True)
class Stream:
    events: list[TrackingEvent]  # every distinct event, on time
    late: list[TrackingEvent]  # events far older than the allowed lateness, sent last
    arrivals: list[TrackingEvent]  # what is produced, in order: shuffled, with duplicates


def stream(seed: int = 7) -> Stream:
    rng = random.Random(seed)
    events = [e for n in range(36) for e in visitor(rng, n)]
    duplicates = rng.sample(events, len(events) // 8)
    arrivals = events + duplicates
    rng.shuffle(arrivals)
    late = [
        make(f"late-{i}", "page", START - timedelta(days=10), f"anon-{i}", None) for i in range(3)
    ]
    return Stream(events=events, late=late, arrivals=arrivals + late)


def expected_journeys(events: list[TrackingEvent]) -> dict[str, Any]:
    """The journeys of the whole event set computed at once, in event-time order."""
    graph: dict[str, IdentityNode] = {}
    for event in sorted(events, key=lambda e: (e.timestamp, e.message_id)):
        identifiers = identifiers_of(event)
        persons = {graph[i].person_id for i in identifiers if i in graph}
        result = resolve(
            [n for n in graph.values() if n.person_id in persons], identifiers, event.timestamp
        )
        for node in [*graph.values()]:
            if node.person_id in result.absorbed:
                graph[node.identifier] = IdentityNode(
                    node.identifier, result.person_id, node.first_seen_at
                )
        graph.update({node.identifier: node for node in result.changed})
    person = {identifier: node.person_id for identifier, node in graph.items()}
    webs: dict[str, list[Any]] = {}
    roles = journey_rules(SessionizerOptions()).roles
    for event in events:
        if roles.is_web(event):
            webs.setdefault(person[event.actor_id], []).append(web_event(event))
    touchpoints = sorted(
        (tp.touchpoint_id, tp.person_id, tp.occurred_at, tp.channel, tp.campaign)
        for person_id, web in webs.items()
        for s in sessionize(web, RULES)
        for tp in [session_touchpoint(s, person_id=person_id, version=1)]
    )
    sessions = sorted(
        (s.session_id, person_id, s.started_at, s.last_event_at, s.event_count)
        for person_id, web in webs.items()
        for s in sessionize(web, RULES)
    )
    return {
        "identities": sorted(person.items()),
        "sessions": sessions,
        "touchpoints": touchpoints,
        "conversions": sorted(
            (stable_id("conversion", e.message_id), person[e.actor_id])
            for e in events
            if e.event == "Order Completed"
        ),
    }


async def journeys_in(database_url: str) -> dict[str, Any]:
    engine = create_engine(DatabaseSettings(url=database_url, pool_size=1))
    queries = {
        "identities": "SELECT identifier, person_id FROM sessionizer.identities",
        "sessions": "SELECT session_id, person_id, started_at, last_event_at, event_count "
        "FROM sessionizer.sessions",
        "touchpoints": "SELECT touchpoint_id, person_id, occurred_at, channel, campaign "
        "FROM sessionizer.touchpoints WHERE NOT retracted",
        "conversions": "SELECT conversion_id, person_id FROM sessionizer.conversions",
    }
    try:
        async with engine.connect() as conn:
            return {
                name: sorted(tuple(row) for row in (await conn.execute(text(sql))).all())
                for name, sql in queries.items()
            }
    finally:
        await engine.dispose()


async def prepare(template: str, arrivals: list[TrackingEvent]) -> tuple[TopicSettings, str]:
    topics = await infra.create_topics(infra.unique("restart"))
    database = infra.unique("boucle_restart")
    await infra.admin_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    await infra.produce(topics.raw_events, [(e.actor_id, e.to_bytes()) for e in arrivals])
    return topics, database


def environment(topics: TopicSettings, database: str, group: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE__URL": infra.database_url(database),
        "KAFKA__BOOTSTRAP_SERVERS": infra.BOOTSTRAP,
        "SESSIONIZER__PORT": str(PORT),
        "SESSIONIZER__CONSUMER__GROUP_ID": group,
        "SESSIONIZER__CONSUMER__MAX_RECORDS": "15",
        "SESSIONIZER__ALLOWED_LATENESS_MINUTES": str(LATENESS.total_seconds() / 60),
    }
    env.update({f"TOPICS__{name.upper()}": topic for name, topic in topics.model_dump().items()})
    return env


async def consume_all(
    env: dict[str, str],
    group: str,
    topic: str,
    total: int,
    log: Path,
    *,
    kill_at: float | None = None,
) -> int | None:
    """Runs the sessionizer until the group committed ``total`` offsets. With ``kill_at``, it is
    first killed with SIGKILL once that fraction is committed, then started again; returns the
    offsets committed at the kill."""
    killed_at = None
    process = infra.start_service("sessionizer", env, log)
    try:
        if kill_at is not None:

            async def reached() -> bool:
                return await infra.committed(group, topic) >= total * kill_at

            await infra.eventually(reached, timeout_s=120, what="the kill point")
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed_at = await infra.committed(group, topic)
            process = infra.start_service("sessionizer", env, log)

        async def done() -> bool:
            return await infra.committed(group, topic) >= total

        await infra.eventually(done, timeout_s=180, what="the whole stream")
        assert infra.stop(process) == 0
    finally:
        infra.stop(process)
    return killed_at


def latest_touchpoints(records: list[Any]) -> list[tuple[Any, ...]]:
    """The downstream view: the last version of each touchpoint, without the retracted ones."""
    adapter: TypeAdapter[Touchpoint | Conversion] = TypeAdapter(JourneyRecord)
    latest: dict[str, Touchpoint] = {}
    for record in records:
        change = adapter.validate_json(record.value)
        if not isinstance(change, Touchpoint):
            continue
        if change.version >= latest.get(change.touchpoint_id, change).version:
            latest[change.touchpoint_id] = change
    return sorted(
        (t.touchpoint_id, t.person_id, t.occurred_at, t.channel, t.campaign)
        for t in latest.values()
        if not t.retracted
    )


async def test_a_killed_and_restarted_sessionizer_builds_the_same_journeys(
    template_database: str, tmp_path: Path
) -> None:
    data = stream()
    expected = expected_journeys(data.events)
    total = len(data.arrivals)

    results, emitted = {}, {}
    for mode, kill_at in (("uninterrupted", None), ("killed", 0.4)):
        topics, database = await prepare(template_database, data.arrivals)
        group = infra.unique("g")
        env = environment(topics, database, group)
        killed_at = await consume_all(
            env, group, topics.raw_events, total, tmp_path / f"{mode}.log", kill_at=kill_at
        )
        if kill_at is not None:
            assert killed_at is not None
            assert 0 < killed_at < total, "the kill must land mid-way through the stream"
        results[mode] = await journeys_in(infra.database_url(database))
        journeys = await infra.read_topic(topics.journeys, expect=1, settle_s=2.0)
        emitted[mode] = latest_touchpoints(journeys)
        late = await infra.read_topic(topics.late_events, expect=len(data.late), settle_s=0.5)
        assert sorted(r.key.decode() for r in late) == sorted(e.actor_id for e in data.late)
        await infra.admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    assert results["killed"] == results["uninterrupted"]
    assert results["uninterrupted"] == expected
    assert emitted["killed"] == emitted["uninterrupted"] == expected["touchpoints"]
    merged = {
        person
        for identifier, person in expected["identities"]
        if identifier in ("anon-2", "anon-3", "user-1")
    }
    assert len(merged) == 1, "two devices of user-1 must have merged into one person"


def test_the_stream_really_is_shuffled_and_duplicated() -> None:
    data = stream()
    assert len(data.arrivals) > len(data.events) + len(data.late)
    positions = [data.events.index(e) for e in data.arrivals if e in data.events]
    assert positions != sorted(positions)
