"""An in-memory database for the loop's Store port: each transaction works on a copy that
replaces the committed state only on commit; savepoints restore their snapshot; advisory locks
are shared by every store on the same database (several instances of a service)."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import DependencyDown
from shared.producer import OutgoingRecord, RecordSink


class _NoSession:
    """What a handler or job gets for a session on the memory store: any use is a test bug."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the in-memory store has no SQL session (.{name}); use .data")


class MemoryDatabase:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.outbox: list[OutgoingRecord] = []
        self.jobs: dict[str, datetime | None] = {}
        self.locks: set[str] = set()
        self.down = False
        self.failing_commits = 0  # the next commits that fail as if the server went away
        self.commits = 0
        self.relay_lock = asyncio.Lock()


class MemoryTransaction:
    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database
        self.data: dict[str, Any] = copy.deepcopy(database.data)
        self.staged: list[OutgoingRecord] = []
        self.jobs = dict(database.jobs)
        self.held: set[str] = set()

    @property
    def session(self) -> AsyncSession:
        return cast(AsyncSession, _NoSession())

    async def stage(self, records: Sequence[OutgoingRecord]) -> None:
        self.staged.extend(records)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        data, staged = copy.deepcopy(self.data), list(self.staged)
        try:
            yield
        except BaseException:
            self.data, self.staged = data, staged
            raise

    async def try_lock(self, key: str) -> bool:
        if key in self.database.locks and key not in self.held:
            return False
        self.database.locks.add(key)
        self.held.add(key)
        return True

    async def job_last_success(self, job: str) -> datetime | None:
        return self.jobs.get(job)

    async def job_succeeded(self, job: str, *, at: datetime) -> None:
        self.jobs[job] = at

    def release(self) -> None:
        self.database.locks -= self.held
        self.held.clear()


class MemoryStore:
    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryTransaction]:
        database = self.database
        if database.down:
            raise DependencyDown("postgres", "the memory database is down")
        tx = MemoryTransaction(database)
        try:
            yield tx
            if database.failing_commits:
                database.failing_commits -= 1
                raise DependencyDown("postgres", "connection lost at commit")
            database.data, database.jobs = tx.data, tx.jobs
            database.outbox.extend(tx.staged)
            database.commits += 1
        finally:
            tx.release()

    async def publish(self, sink: RecordSink) -> list[OutgoingRecord]:
        async with self.database.relay_lock:
            pending = list(self.database.outbox)
            if pending:
                await sink.send_all(pending)
                del self.database.outbox[: len(pending)]
            return pending
