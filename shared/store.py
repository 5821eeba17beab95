"""The consumer loop's view of its database: transactions, the outbox, and job leases.

Like shared/broker.py for Kafka, this is a port: production runs it on PostgreSQL (``SqlStore``);
the loop's unit tests run it on an in-memory fake with the same transaction semantics
(``tests/fakes``). Handlers get the SQLAlchemy session of the transaction for their own SQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Protocol

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import outbox
from shared.outbox import OutboxRelay
from shared.producer import OutgoingRecord, RecordSink


def jobs_table(schema: str, metadata: MetaData) -> Table:
    """When each scheduled job of a service last succeeded (shared/jobs.py)."""
    return Table(
        "jobs",
        metadata,
        Column("name", String(100), primary_key=True),
        Column("last_success_at", DateTime(timezone=True)),
        Column("runs", BigInteger, nullable=False, server_default=text("0")),
        schema=schema,
    )


class Transaction(Protocol):
    """One database transaction of the loop: a batch, or one run of a scheduled job."""

    @property
    def session(self) -> AsyncSession: ...

    async def stage(self, records: Sequence[OutgoingRecord]) -> None:
        """Adds records to the outbox; they are published only after the commit."""

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested transaction: an exception inside rolls back only what it did."""

    async def try_lock(self, key: str) -> bool:
        """A lock held until the transaction ends, shared by every instance; False if taken."""

    async def job_last_success(self, job: str) -> datetime | None:
        """When ``job`` last succeeded, locking its row for this transaction."""

    async def job_succeeded(self, job: str, *, at: datetime) -> None: ...


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """Commits when the block ends normally, rolls back when it raises."""

    async def publish(self, sink: RecordSink) -> list[OutgoingRecord]:
        """Sends what committed transactions staged, in order; returns what was sent."""


class SqlTransaction:
    def __init__(self, session: AsyncSession, *, outbox_table: Table, jobs_table: Table) -> None:
        self._session = session
        self._outbox = outbox_table
        self._jobs = jobs_table

    @property
    def session(self) -> AsyncSession:
        return self._session

    async def stage(self, records: Sequence[OutgoingRecord]) -> None:
        await outbox.stage(self._session, self._outbox, records)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        async with self._session.begin_nested():
            yield

    async def try_lock(self, key: str) -> bool:
        lock = func.pg_try_advisory_xact_lock(func.hashtext(key))
        return bool((await self._session.execute(select(lock))).scalar_one())

    async def job_last_success(self, job: str) -> datetime | None:
        table = self._jobs
        await self._session.execute(insert(table).values(name=job).on_conflict_do_nothing())
        query = select(table.c.last_success_at).where(table.c.name == job).with_for_update()
        moment: datetime | None = (await self._session.execute(query)).scalar_one()
        return moment

    async def job_succeeded(self, job: str, *, at: datetime) -> None:
        table = self._jobs
        await self._session.execute(
            update(table)
            .where(table.c.name == job)
            .values(last_success_at=at, runs=table.c.runs + 1)
        )


class SqlStore:
    """The loop's store on PostgreSQL: a service's outbox and jobs tables in its own schema."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, outbox_table: Table, jobs_table: Table
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox_table
        self._jobs = jobs_table

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._sessions() as session, session.begin():
            yield SqlTransaction(session, outbox_table=self._outbox, jobs_table=self._jobs)

    async def publish(self, sink: RecordSink) -> list[OutgoingRecord]:
        return await OutboxRelay(self._outbox, self._sessions, sink).flush()
