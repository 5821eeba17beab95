"""Fitted models re-solved by a job, the conversions whose weights moved restated in bounded
chunks; a change of settings restated by the walk job or the CLI, and reported meanwhile."""

from __future__ import annotations

import asyncio
import os
import sys
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.repository import reports
from services.attribution.settings import AttributionOptions
from shared.database import create_engine, create_session_factory
from shared.events import Conversion, Credit, Touchpoint
from shared.settings import DatabaseSettings, TopicSettings
from tests import infra
from tests.attribution_fixtures import Attribution, at, conversion, options, touch
from tests.attribution_state import derived

NOW = at(100)


def population() -> list[Touchpoint | Conversion]:
    """Search-then-email paths convert, email alone does not, search alone converts once."""
    records: list[Touchpoint | Conversion] = []
    for n in range(4):
        records += [
            touch(f"s{n}", f"both{n}", 0, channel="search"),
            touch(f"e{n}", f"both{n}", 1, channel="email"),
            conversion(f"c{n}", f"both{n}", 2),
            touch(f"m{n}", f"mail{n}", 0, channel="email"),
        ]
    records += [touch("s9", "solo", 0, channel="search"), conversion("c9", "solo", 1)]
    return records


async def fits_stored(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list((await session.execute(text("SELECT fit_id FROM attribution.fits"))).scalars())


async def test_a_refit_restates_the_conversions_whose_weights_moved_a_chunk_per_run(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = options(models=["markov"], fitting={"restate_chunk": 2})
    attribution = Attribution(sessions, settings, now=NOW)
    before = await attribution.journeys(population())
    assert {c.fit_id for c in before} == {None}  # no fit yet: linear
    assert await attribution.job("refit") == []
    [fit] = await fits_stored(sessions)
    runs: list[list[Credit]] = []
    while restated := await attribution.job("restate-fitted"):
        runs.append(restated)
    # Four search > email conversions moved; two per run; "search" alone weighs 1 either way.
    assert [len({c.conversion_id for c in run}) for run in runs] == [2, 2]
    weights = {(c.conversion_id, c.channel): c.weight for run in runs for c in run}
    assert {c.fit_id for run in runs for c in run} == {fit}
    # P(convert) = 5/9 · (1/5 + 4/5 · 1/2) + 4/9 · 1/2 = 5/9. Without search only the email
    # paths convert: 2/9, RE 3/5; without email only search alone: 1/9, RE 4/5.
    assert weights[("c0", "search")] == Decimal("0.428571")  # 0.6 / 1.4
    assert weights[("c0", "email")] == Decimal("0.571429")  # 0.8 / 1.4
    await attribution.job("refit")
    assert await fits_stored(sessions) == [fit], "the same counts make no new fit"


async def test_a_new_fit_restates_only_the_conversions_it_moves_past_the_tolerance(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    strict = Attribution(sessions, options(models=["markov"]), now=NOW)
    await strict.journeys(population())
    await strict.job("refit")
    while await strict.job("restate-fitted"):
        pass
    # One more email path that does not convert: email's removal effect drops a little.
    await strict.journeys([touch("m9", "mail9", 0, channel="email")])
    await strict.job("refit")
    assert len(await fits_stored(sessions)) == 2
    lenient = Attribution(sessions, options(models=["markov"], fitting={"tolerance": 0.1}))
    assert await lenient.job("restate-fitted") == []
    moved = await strict.job("restate-fitted")
    assert {c.conversion_id for c in moved} == {"c0", "c1", "c2", "c3"}


async def stale(sessions: async_sessionmaker[AsyncSession], attribution: Attribution) -> int:
    keys = attribution.restater.lineup.keys
    async with sessions() as session:
        versions = await reports.versions(session, ["time_decay", "linear", "markov"])
    return sum(n for model, key, _, n in versions if keys.get(model) != key)


async def test_changed_settings_are_reported_stale_until_the_walk_restates_every_person(
    sessions: async_sessionmaker[AsyncSession],
    template_database: str,
) -> None:
    old = Attribution(sessions, options(models=["time_decay", "markov"]), now=NOW)
    await old.journeys(population())
    changed = options(
        models=[{"name": "time_decay", "params": {"half_life_days": 1}}, "linear"],
        jobs={"settings_walk_chunk": 3},
    )
    new = Attribution(sessions, changed, now=NOW)
    assert await stale(sessions, new) == 10  # five time-decay and five markov conversions
    remaining = []
    for _ in range(6):
        await new.job("settings-walk")
        remaining.append(await stale(sessions, new))
    # Nine persons, three a run: every conversion restated by the third run, none left after.
    assert remaining[0] > 0
    assert remaining[2:] == [0, 0, 0, 0]
    async with sessions() as session:
        models = set(
            (await session.execute(text("SELECT model FROM attribution.credits"))).scalars()
        )
        fitted = (
            await session.execute(text("SELECT count(*) FROM attribution.fitted_counts"))
        ).scalar()
    assert (models, fitted) == ({"time_decay", "linear"}, 0)
    await assert_equals_scratch(sessions, template_database, changed)


async def assert_equals_scratch(
    sessions: async_sessionmaker[AsyncSession], template: str, settings: AttributionOptions
) -> None:
    name = infra.unique("boucle_scratch")
    await infra.admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    engine = create_engine(DatabaseSettings(url=infra.database_url(name), pool_size=1))
    try:
        scratch = create_session_factory(engine)
        await Attribution(scratch, settings, now=NOW).journeys(population())
        mine, theirs = await derived(sessions), await derived(scratch)
        for table in ("credits", "credit_totals", "fitted_counts", "reach", "persons"):
            assert mine[table] == theirs[table], table
    finally:
        await engine.dispose()
        await infra.admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_the_restate_command_restates_with_progress_and_publishes_the_credits(
    sessions: async_sessionmaker[AsyncSession], database_url: str, topics: TopicSettings
) -> None:
    await Attribution(sessions, options(models=["time_decay"]), now=NOW).journeys(population())
    env = {
        **os.environ,
        "DATABASE__URL": database_url,
        "KAFKA__BOOTSTRAP_SERVERS": infra.BOOTSTRAP,
        "TOPICS__CREDITS": topics.credits,
        "ATTRIBUTION__MODELS": '[{"name": "time_decay", "params": {"half_life_days": 2}}]',
    }
    code, stderr = await restate_command(env, "--chunk", "4")
    assert code == 0, stderr
    assert "restated persons: 9 persons restated in" in stderr
    records = await infra.read_topic(topics.credits, expect=9)
    credits = [Credit.model_validate_json(r.value) for r in records]
    assert {c.model_key for c in credits} == {
        "time_decay.v1(half_life_days=2.0)@lookback=2.592e+06s"
    }
    _, stderr = await restate_command(env)
    assert "restated persons: 0 persons restated" in stderr


async def restate_command(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.attribution",
        "restate",
        *args,
        cwd=infra.ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, stderr.decode()
