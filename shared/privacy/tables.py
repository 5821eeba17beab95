"""The two tables every consuming service keeps of erasures, in its own schema (like its outbox
and jobs tables): what waits to be applied, and what was done."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

Timestamp = DateTime(timezone=True)


@dataclass(frozen=True, slots=True)
class ErasureTables:
    queue: Table
    erasures: Table

    @classmethod
    def of(cls, schema: str, metadata: MetaData) -> ErasureTables:
        return cls(queue=queue_table(schema, metadata), erasures=erasures_table(schema, metadata))


def queue_table(schema: str, metadata: MetaData) -> Table:
    """Erasures received and not yet applied. The only place an erasure's identifiers are
    stored, for at most ``PRIVACY__ERASURE_DELAY_S``: the row goes when it is applied."""
    return Table(
        "erasure_queue",
        metadata,
        # topic:partition:offset of the record: a redelivery is the same row.
        Column("position", String(300), primary_key=True),
        Column("request_id", String(64), nullable=False),
        Column("person_id", String(512), nullable=False, server_default=text("''")),
        Column("identifiers", ARRAY(Text), nullable=False),
        Column("received_at", Timestamp, nullable=False),
        Column("due_at", Timestamp, nullable=False),
        Index(f"ix_{schema}_erasure_queue_due_at", "due_at"),
        schema=schema,
    )


def erasures_table(schema: str, metadata: MetaData) -> Table:
    """One row per erasure request applied: how many persons, how many rows of which table,
    and the positions of the records applied (so a redelivered one is not counted twice). No
    identifier and no person id."""
    return Table(
        "erasures",
        metadata,
        Column("request_id", String(64), primary_key=True),
        Column("persons", Integer, nullable=False),
        Column("rows", JSONB, nullable=False),
        Column("positions", ARRAY(Text), nullable=False),
        Column("received_at", Timestamp, nullable=False),
        Column("erased_at", Timestamp, nullable=False),
        schema=schema,
    )
