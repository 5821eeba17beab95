"""Restatement is exact: after any sequence of touchpoints (late, changed, retracted), person
merges, purchases, deals won, amended and lost, the stream's stored state equals the state
computed from scratch from the final journeys, with the same models and fits."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.lines import FitView
from services.attribution.lineup import Lineup
from services.attribution.models import ChannelFit
from services.attribution.repository import fits
from shared.database import create_engine, create_session_factory
from shared.events import Conversion, Touchpoint, TrackingEvent
from shared.settings import DatabaseSettings
from tests import infra
from tests.attribution_fixtures import Attribution, at, conversion, deal_lost, options, touch
from tests.attribution_state import counts, derived, rebuilt_counts

CHANNELS = ("paid_search", "email", "direct", "display", "social")
PERSONS = tuple(f"p{n}" for n in range(6))
DEALS = ("hubspot:1", "hubspot:2", "salesforce:3")
NOW = at(100)  # touches up to day 90: some non-converting paths final, some pending


@dataclass
class Journeys:
    """What the sessionizer has said so far, newest version of each record."""

    rng: random.Random
    touchpoints: dict[str, Touchpoint] = field(default_factory=dict)
    conversions: dict[str, Conversion] = field(default_factory=dict)
    losses: list[TrackingEvent] = field(default_factory=list)
    firsts: list[Conversion] = field(default_factory=list)  # each conversion as first said
    made: int = 0

    def _id(self, prefix: str) -> str:
        self.made += 1
        return f"{prefix}{self.made}"

    def step(self) -> tuple[list[Touchpoint | Conversion], list[TrackingEvent]]:
        rng = self.rng
        kind = rng.choices(
            ["touch", "change", "retract", "stage", "purchase", "deal", "merge", "lost"],
            weights=[8, 3, 1, 1, 2, 2, 1, 1],
        )[0]
        if kind == "lost":
            event = deal_lost(self._id("l"), rng.choice(DEALS), rng.uniform(0, 90))
            self.losses.append(event)
            return [], [event]
        records = getattr(self, f"_{kind}")()
        for record in records:
            if isinstance(record, Touchpoint):
                self.touchpoints[record.touchpoint_id] = record
            else:
                self.conversions[record.conversion_id] = record
        return records, []

    def _touch(self) -> list[Touchpoint | Conversion]:
        channel = self.rng.choice(CHANNELS)
        return [
            touch(
                self._id("t"),
                self.rng.choice(PERSONS),
                self.rng.uniform(0, 90),
                channel=channel,
                campaign=self.rng.choice([None, f"{channel}-a", f"{channel}-b"]),
                source=self.rng.choice([None, "google", "newsletter"]),
            )
        ]

    def _live(self) -> list[Touchpoint]:
        return [t for t in self.touchpoints.values() if not t.retracted]

    def _change(self) -> list[Touchpoint | Conversion]:
        if not (live := self._live()):
            return self._touch()
        old = self.rng.choice(live)
        moved = old.occurred_at.timestamp() + self.rng.uniform(-3, 3) * 86_400
        return [
            old.model_copy(
                update={
                    "version": old.version + 1,
                    "occurred_at": old.occurred_at.fromtimestamp(moved, old.occurred_at.tzinfo),
                    "channel": self.rng.choice(CHANNELS),
                }
            )
        ]

    def _retract(self) -> list[Touchpoint | Conversion]:
        if not (live := self._live()):
            return self._touch()
        old = self.rng.choice(live)
        return [old.model_copy(update={"version": old.version + 1, "retracted": True})]

    def _stage(self) -> list[Touchpoint | Conversion]:
        kind = self.rng.choice(["Lead Created", "Opportunity Created"])
        person, day = self.rng.choice(PERSONS), self.rng.uniform(0, 90)
        return [touch(self._id("s"), person, day, channel="crm", touch_type=kind)]

    def _purchase(self) -> list[Touchpoint | Conversion]:
        revenue = str(Decimal(self.rng.randint(100, 99_999)) / 100)
        currency = self.rng.choice(["EUR", "USD"])
        person, day = self.rng.choice(PERSONS), self.rng.uniform(0, 90)
        return [conversion(self._id("c"), person, day, revenue=revenue, currency=currency)]

    def _deal(self) -> list[Touchpoint | Conversion]:
        revenue = str(self.rng.randint(1, 50) * 100)
        person, day = self.rng.choice(PERSONS), self.rng.uniform(0, 90)
        deal = self.rng.choice(DEALS)
        return [conversion(self._id("w"), person, day, stage="won", deal=deal, revenue=revenue)]

    def _merge(self) -> list[Touchpoint | Conversion]:
        """The sessionizer re-keys every record of the absorbed person, its copies without the
        deal key (it does not keep one)."""
        absorbed, survivor = self.rng.sample(PERSONS, 2)
        moved: list[Touchpoint | Conversion] = []
        for t in self.touchpoints.values():
            if t.person_id == absorbed:
                moved.append(t.model_copy(update={"person_id": survivor, "version": t.version + 1}))
        for c in self.conversions.values():
            if c.person_id == absorbed:
                update = {"person_id": survivor, "version": c.version + 1, "deal_id": None}
                moved.append(c.model_copy(update=update))
        return moved

    def final(self) -> list[Touchpoint | Conversion]:
        """The newest version of everything, deal keys as first said (the stream keeps them)."""
        first_deal = {c.conversion_id: c.deal_id for c in self.firsts}
        return [
            *self.touchpoints.values(),
            *(
                c.model_copy(update={"deal_id": first_deal.get(c.conversion_id)})
                for c in self.conversions.values()
            ),
        ]

    def remember(self, records: list[Touchpoint | Conversion]) -> None:
        seen = {c.conversion_id for c in self.firsts}
        self.firsts.extend(
            r for r in records if isinstance(r, Conversion) and r.conversion_id not in seen
        )


@pytest.fixture
async def scratch(template_database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A second fresh database, for the computation from scratch."""
    name = infra.unique("boucle_scratch")
    await infra.admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    engine = create_engine(DatabaseSettings(url=infra.database_url(name), pool_size=2))
    yield create_session_factory(engine)
    await engine.dispose()
    await infra.admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def fix_fits(sessions: async_sessionmaker[AsyncSession], lineup: Lineup) -> None:
    """The same fits in both databases, so that fitted credits are comparable exactly."""
    scores = {"paid_search": 0.5, "email": 0.3, "direct": 0.05, "display": 0.1, "social": 0.0}
    fit = ChannelFit(scores=scores, value_scores={}, conversions=1.0, value=0.0)
    async with sessions() as session, session.begin():
        for entry in lineup.fitted:
            view = FitView(f"fixed-{entry.name}", fit)
            await fits.save_fit(session, view, model_key=entry.key, at=at(0), solve_ms=0.0)


@pytest.mark.parametrize("seed", range(1, 9))
async def test_any_sequence_restates_to_what_computing_from_scratch_gives(
    sessions: async_sessionmaker[AsyncSession],
    scratch: async_sessionmaker[AsyncSession],
    seed: int,
) -> None:
    settings = options()
    stream, fresh = (
        Attribution(sessions, settings, now=NOW),
        Attribution(scratch, settings, now=NOW),
    )
    lineup = stream.restater.lineup
    await fix_fits(sessions, lineup)
    await fix_fits(scratch, lineup)
    journeys = Journeys(random.Random(seed))
    for _ in range(40):  # batches
        batch: list[Touchpoint | Conversion] = []
        for _ in range(journeys.rng.randint(1, 6)):
            records, raw = journeys.step()
            journeys.remember(records)
            batch.extend(records)
            if raw:
                await stream.journeys(batch)
                await stream.raw(raw)
                batch = []
        await stream.journeys(batch)
    await fresh.raw(journeys.losses)
    await fresh.journeys(journeys.final())
    incremental, from_scratch = await derived(sessions), await derived(scratch)
    assert incremental["credits"], "the sequence must credit something"
    for table, rows in from_scratch.items():
        assert incremental[table] == rows, f"{table} differs from the computation from scratch"
    assert await counts(sessions) == await rebuilt_counts(sessions, lineup, now=NOW)
