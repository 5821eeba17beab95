"""Erasures applied as a service's loop applies them, on the real database: the privacy
route's handler queues the record in one transaction, the erasure job applies it in another."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.broker import Record
from shared.events import ErasureRequest, PersonErased
from shared.jobs import Job
from shared.privacy.intake import Eraser, erasure_job, privacy_route
from shared.privacy.tables import ErasureTables
from shared.producer import OutgoingRecord
from shared.routes import Delivery, Work
from shared.settings import PrivacySettings
from shared.store import SqlTransaction

IMMEDIATE = PrivacySettings(erasure_delay_s=0)


class Erasures:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: ErasureTables,
        eraser: Eraser,
        *,
        kind: type[ErasureRequest] | type[PersonErased],
        outbox: Table,
        jobs: Table,
    ) -> None:
        self.sessions = sessions
        self.tables = tables
        self.route = privacy_route("privacy", tables, kind=kind, settings=IMMEDIATE)
        self.job: Job = erasure_job(tables, eraser, settings=IMMEDIATE)
        self._outbox, self._jobs = outbox, jobs

    async def receive(
        self, records: Sequence[ErasureRequest | PersonErased], *, now: datetime, offset: int = 0
    ) -> None:
        deliveries = [
            Delivery(
                r, Record(topic="privacy", partition=0, offset=offset + i, key=None, value=None)
            )
            for i, r in enumerate(records)
        ]
        async with self.sessions() as session, session.begin():
            tx = SqlTransaction(session, outbox_table=self._outbox, jobs_table=self._jobs)
            await self.route.handle(Work(tx=tx, now=now), deliveries)

    async def apply(self, *, now: datetime) -> list[OutgoingRecord]:
        async with self.sessions() as session, session.begin():
            return list(await self.job.run(session, now))

    async def queued(self) -> list[tuple[str, list[str]]]:
        async with self.sessions() as session:
            rows = await session.execute(
                text(f"SELECT request_id, identifiers FROM {self.tables.queue.fullname}")  # noqa: S608 - our table
            )
            return [(row[0], list(row[1])) for row in rows.all()]

    async def record(self, request_id: str) -> tuple[int, dict[str, int]]:
        async with self.sessions() as session:
            row = (
                await session.execute(
                    text(
                        f"SELECT persons, rows FROM {self.tables.erasures.fullname} "  # noqa: S608 - our table
                        "WHERE request_id = :r"
                    ),
                    {"r": request_id},
                )
            ).one()
            return int(row[0]), dict(row[1])
