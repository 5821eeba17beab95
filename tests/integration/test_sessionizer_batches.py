"""The set-based sessionizer on real PostgreSQL: a stream applied in batches of random sizes
stores exactly the journeys, and emits exactly the latest versions, that the same stream applied
one event per batch does — with merges (logins, aliases, emails), late and bridging events,
duplicates in and across batches, touch events and conversions."""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from pydantic import TypeAdapter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sessionizer.journeys import JourneyBuilder, JourneyRules, Topics
from services.sessionizer.metrics import SessionizerMetrics
from services.sessionizer.sessions import SessionRules
from services.sessionizer.tables import JOBS, OUTBOX
from services.sessionizer.touchpoints import EventRoles
from shared.broker import Record
from shared.events import IdentityLink, JourneyRecord, TrackingEvent
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work
from shared.service import utc_now
from shared.store import SqlTransaction

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TOPICS = Topics(journeys="journeys", late_events="late", identities="identities")
ROLES = EventRoles(
    touch_events=frozenset({"Email Link Clicked"}),
    background_events=frozenset({"Email Opened"}),
    conversions={"Order Completed": "purchase"},
)
RULES = {
    "defaults": SessionRules(timeout=timedelta(minutes=30), max_length=timedelta(hours=2)),
    "universal analytics": SessionRules(
        timeout=timedelta(minutes=30),
        max_length=timedelta(hours=2),
        split_on_campaign_change=True,
        direct_campaign_timeout=timedelta(hours=6),
    ),
}
JourneyRecords: TypeAdapter[Any] = TypeAdapter(JourneyRecord)


def make(serial: int, at: datetime, **fields: Any) -> TrackingEvent:
    campaign = fields.pop("campaign", None)
    return TrackingEvent.model_validate(
        {
            "messageId": f"m-{serial}",
            "type": "page",
            "sourceId": "test",
            "timestamp": at,
            "receivedAt": at,
            "channel": "email" if campaign else "direct",
            "campaign": {"name": campaign, "source": "newsletter"} if campaign else {},
            **fields,
        }
    )


def person_events(rng: random.Random, n: int, serial: int) -> list[TrackingEvent]:
    """Two devices of one user, browsing in bursts; logins, an alias, an email click, orders."""
    email = f"{n:064x}"
    at, out = START + timedelta(minutes=rng.randint(0, 300)), []
    for i in range(rng.randint(8, 20)):
        at += timedelta(minutes=rng.choice([1, 4, 12, 29, 31, 50, 140]))
        device = f"anon-{n}-{rng.randint(0, 1)}"
        campaign = rng.choice(["spring", "summer"]) if rng.random() < 0.25 else None
        kind = rng.random()
        fields: dict[str, Any]
        if kind < 0.1:
            fields = {"type": "identify", "anonymousId": device, "userId": f"user-{n}"}
        elif kind < 0.15:
            fields = {"type": "alias", "userId": f"user-{n}", "previousId": device}
        elif kind < 0.2:
            fields = {
                "type": "track",
                "event": "Email Link Clicked",
                "identities": {"email": email},
            }
        elif kind < 0.25:
            fields = {"type": "identify", "userId": f"user-{n}", "identities": {"email": email}}
        elif kind < 0.3:
            fields = {"type": "track", "event": "Order Completed", "anonymousId": device}
            fields["properties"] = {"revenue": rng.choice([10, 12.34567, 99]), "currency": "EUR"}
        else:
            fields = {"anonymousId": device, "campaign": campaign}
        out.append(make(serial + i, at, **fields))
    return out


def arrivals(seed: int) -> list[Delivery[TrackingEvent]]:
    """Deliveries in arrival order: shuffled within hours, some very late, some duplicated;
    each device's events on the partition of its key, as Kafka would place them."""
    rng = random.Random(seed)
    events = [e for n in range(12) for e in person_events(rng, n, serial=n * 100)]
    jittered = sorted(events, key=lambda e: e.timestamp + timedelta(minutes=rng.randint(0, 180)))
    late = [make(9000 + i, START - timedelta(days=2), anonymousId=f"anon-{i}-0") for i in range(3)]
    stream = [*jittered, *late]
    for _ in range(len(stream) // 10):
        stream.insert(rng.randrange(len(stream)), rng.choice(stream))
    return [
        Delivery(e, Record("raw", zlib.crc32(e.actor_id.encode()) % 3, offset, None, None))
        for offset, e in enumerate(stream)
    ]


def batches(items: Sequence[Any], rng: random.Random) -> list[Sequence[Any]]:
    out, i = [], 0
    while i < len(items):
        size = rng.choice([1, 2, 5, 17, 60, 200])
        out.append(items[i : i + size])
        i += size
    return out


async def run(
    sessions: async_sessionmaker[AsyncSession],
    chunks: list[Sequence[Delivery[TrackingEvent]]],
    rules: SessionRules,
) -> list[OutgoingRecord]:
    """Applies each chunk as one batch, in one transaction, as the consumer loop does."""
    handler = JourneyBuilder(
        JourneyRules(sessions=rules, roles=ROLES, allowed_lateness=timedelta(hours=12)),
        topics=TOPICS,
        metrics=SessionizerMetrics(CollectorRegistry()),
    )
    emitted: list[OutgoingRecord] = []
    for chunk in chunks:
        async with sessions() as session, session.begin():
            tx = SqlTransaction(session, outbox_table=OUTBOX, jobs_table=JOBS)
            emitted += await handler(Work(tx=tx, now=utc_now()), chunk)
    return emitted


async def stored_then_cleared(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[Any]]:
    """Every sessionizer table but the outbox (processed_events without its wall-clock time);
    then empties them for the next run."""
    async with sessions() as session:
        columns = (
            await session.execute(
                text(
                    "SELECT table_name, string_agg(column_name, ', ' ORDER BY ordinal_position) "
                    "FROM information_schema.columns WHERE table_schema = 'sessionizer' "
                    "AND table_name NOT IN ('outbox', 'jobs') AND column_name <> 'processed_at' "
                    "GROUP BY table_name"
                )
            )
        ).all()
        found = {}
        for name, names in columns:
            query = f"SELECT {names} FROM sessionizer.{name} ORDER BY {names}"  # noqa: S608 - catalog names
            found[name] = list((await session.execute(text(query))).all())
        await session.execute(
            text(f"TRUNCATE {', '.join(f'sessionizer.{name}' for name, _ in columns)}")
        )
        await session.commit()
        return found


def latest(records: list[OutgoingRecord]) -> dict[tuple[str, str], Any]:
    """What downstream keeps: the highest version of each record (late events as they came)."""
    newest: dict[tuple[str, str], Any] = {}
    for record in records:
        if record.topic == "late":
            newest[("late", record.key)] = record.value
            continue
        if record.topic == "identities":
            link = IdentityLink.model_validate_json(record.value)
            key, value = ("identity", link.identifier), link
        else:
            value = JourneyRecords.validate_json(record.value)
            key = (value.kind, getattr(value, f"{value.kind}_id"))
        if key not in newest or value.version > newest[key].version:
            newest[key] = value
    return newest


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("rules", list(RULES), ids=list(RULES))
async def test_batches_of_any_size_store_and_emit_what_one_event_per_batch_does(
    sessions: async_sessionmaker[AsyncSession], seed: int, rules: str
) -> None:
    stream = arrivals(seed)
    one_by_one = await run(sessions, [[item] for item in stream], RULES[rules])
    alone = await stored_then_cleared(sessions)
    batched = await run(sessions, batches(stream, random.Random(seed)), RULES[rules])
    together = await stored_then_cleared(sessions)

    assert together == alone
    assert latest(batched) == latest(one_by_one)
    assert len(batched) < len(one_by_one), "a batch emits each record's newest version only"
    merges = alone["merges"]
    assert merges, "the stream must merge persons"
    assert any(row.retracted for row in alone["touchpoints"]), "and retract touchpoints"
    kinds = {kind for kind, _ in latest(one_by_one)}
    assert kinds == {"late", "identity", "touchpoint", "conversion"}
