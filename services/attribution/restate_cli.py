"""``python -m services.attribution restate``: restate stored credits under the configured
settings now, chunk by chunk (each its own transaction), with progress on stderr.

Without ``--models``: the restatement every instance's ``settings-walk`` job also does after a
change of models, parameters, lookback or CRM stages (every person; ``--all`` walks again even
when the walk for these settings is done). With ``--models a,b``: only the persons with a
conversion whose credits under one of those models are missing or under other settings.
The credits it emits are published from the service's outbox as it goes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.jobs import walk_chunk
from services.attribution.metrics import AttributionMetrics
from services.attribution.restating import Restater
from services.attribution.settings import AttributionSettings
from services.attribution.tables import OUTBOX
from shared.database import create_engine, create_session_factory
from shared.outbox import OutboxRelay, stage
from shared.producer import EventProducer
from shared.progress import Progress

STALE_PERSONS = (
    "SELECT DISTINCT o.person_id FROM attribution.outcomes o WHERE o.credited AND NOT EXISTS "
    "(SELECT 1 FROM attribution.credits c WHERE c.outcome_id = o.outcome_id "
    "AND c.model = :model AND c.model_key = :key) ORDER BY 1"
)


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="python -m services.attribution restate", description=__doc__
    )
    command.add_argument("--models", help="comma-separated: only what these models miss")
    command.add_argument("--all", action="store_true", help="walk every person again")
    command.add_argument("--chunk", type=int, default=500, help="persons per transaction")
    return command


def main(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    settings = AttributionSettings()
    restater = Restater(
        settings.attribution.lineup(),
        credits_topic=settings.topics.credits,
        metrics=AttributionMetrics(CollectorRegistry()),
        money=settings.attribution.money(),
    )
    names = [n.strip() for n in (args.models or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in restater.lineup.names]
    if unknown:
        print(f"error: {unknown[0]!r} is not configured: {restater.lineup.names}", file=sys.stderr)
        return 2
    return asyncio.run(run(settings, restater, models=names, again=args.all, chunk=args.chunk))


async def run(
    settings: AttributionSettings,
    restater: Restater,
    *,
    models: Sequence[str],
    again: bool,
    chunk: int,
) -> int:
    engine = create_engine(settings.database)
    sessions = create_session_factory(engine)
    producer = EventProducer(settings.kafka, client_id=f"{settings.kafka.client_id}-restate")
    await producer.start()
    try:
        relay = OutboxRelay(OUTBOX, sessions, producer)
        if models:
            await _stale(sessions, restater, relay, models=models, chunk=chunk)
        else:
            await _walk(sessions, restater, relay, again=again, chunk=chunk)
    finally:
        await producer.stop()
        await engine.dispose()
    return 0


async def _walk(
    sessions: async_sessionmaker[AsyncSession],
    restater: Restater,
    relay: OutboxRelay,
    *,
    again: bool,
    chunk: int,
) -> int:
    async with sessions() as session, session.begin():
        if again:
            await session.execute(
                text("DELETE FROM attribution.walks WHERE settings_key = :key"),
                {"key": restater.lineup.settings_key},
            )
        total = (await session.execute(text("SELECT count(*) FROM attribution.persons"))).scalar()
    progress = Progress("restated persons", total=int(total or 0))
    while True:
        async with sessions() as session, session.begin():
            records, count = await walk_chunk(session, restater, now=datetime.now(UTC), chunk=chunk)
            await stage(session, OUTBOX, records)
        await relay.flush()
        progress.advance(count)
        if count < chunk:
            break
    progress.summary(f"{progress.done:,} persons restated")
    return progress.done


async def _stale(
    sessions: async_sessionmaker[AsyncSession],
    restater: Restater,
    relay: OutboxRelay,
    *,
    models: Sequence[str],
    chunk: int,
) -> int:
    persons: set[str] = set()
    async with sessions() as session:
        for model in models:
            query = text(STALE_PERSONS)
            params = {"model": model, "key": restater.lineup.keys[model]}
            persons.update((await session.execute(query, params)).scalars())
    ordered = sorted(persons)
    progress = Progress(f"restated persons ({', '.join(models)})", total=len(ordered))
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        async with sessions() as session, session.begin():
            now = datetime.now(UTC)
            records = await restater.restate(session, part, now=now, reason="settings")
            await stage(session, OUTBOX, records)
        await relay.flush()
        progress.advance(len(part))
    progress.summary(f"{progress.done:,} persons restated")
    return progress.done
