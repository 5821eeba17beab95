"""The transactional outbox: what a consumer emits is written in the same transaction as its
state, and published to Kafka only after that transaction committed.

Sending before the commit would be at-least-once too, but after a crash the redelivered batch
may be processed differently (another interleaving of partitions) and a record already sent
could describe a state that never committed — a phantom downstream. With the outbox, every record
sent describes committed state; a crash between publishing and deleting re-sends the same rows,
which downstream consumers ignore (ids and versions).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Identity,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.producer import OutgoingRecord, RecordSink

RELAY_BATCH = 1_000


def outbox_table(schema: str, metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("topic", String(255), nullable=False),
        Column("key", String(1024), nullable=False),
        Column("value", LargeBinary, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
        # Published with a null value (OutgoingRecord.tombstone); migration 0013.
        Column("tombstone", Boolean, nullable=False, server_default=text("false")),
        schema=schema,
    )


async def stage(session: AsyncSession, outbox: Table, records: Sequence[OutgoingRecord]) -> None:
    """Adds records to the outbox inside the caller's transaction."""
    if not records:
        return
    rows = [
        {
            "topic": r.topic,
            "key": r.key,
            "value": r.value,
            "headers": [[name, value.decode("latin-1")] for name, value in r.headers],
            "tombstone": r.tombstone,
        }
        for r in records
    ]
    await session.execute(insert(outbox), rows)


class OutboxRelay:
    """Publishes committed outbox rows in order, then deletes them."""

    def __init__(
        self, outbox: Table, sessions: async_sessionmaker[AsyncSession], sink: RecordSink
    ) -> None:
        self._outbox = outbox
        self._sessions = sessions
        self._sink = sink

    async def flush(self) -> list[OutgoingRecord]:
        """Publishes everything pending; returns what it sent."""
        sent: list[OutgoingRecord] = []
        while batch := await self._publish_some():
            sent.extend(batch)
        return sent

    async def _publish_some(self) -> list[OutgoingRecord]:
        table = self._outbox
        async with self._sessions() as session, session.begin():
            # One relay at a time per outbox, so rows leave in the order they were written.
            lock = func.pg_advisory_xact_lock(func.hashtext(str(table.fullname)))
            await session.execute(select(lock))
            rows = (
                await session.execute(select(table).order_by(table.c.id).limit(RELAY_BATCH))
            ).all()
            if not rows:
                return []
            records = [
                OutgoingRecord(
                    topic=row.topic,
                    key=row.key,
                    value=row.value,
                    headers=tuple((n, v.encode("latin-1")) for n, v in row.headers),
                    tombstone=row.tombstone,
                )
                for row in rows
            ]
            await self._sink.send_all(records)
            await session.execute(delete(table).where(table.c.id <= rows[-1].id))
        return records
