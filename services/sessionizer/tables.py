"""Tables owned by the sessionizer (schema ``sessionizer``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Index, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import Base
from shared.outbox import outbox_table
from shared.privacy.tables import ErasureTables
from shared.store import jobs_table

SCHEMA = "sessionizer"
Timestamp = DateTime(timezone=True)
OUTBOX = outbox_table(SCHEMA, Base.metadata)
JOBS = jobs_table(SCHEMA, Base.metadata)
ERASURE_TABLES = ErasureTables.of(SCHEMA, Base.metadata)


class ProcessedEventRow(Base):
    """Every messageId applied once; a redelivered event finds its row and changes nothing."""

    __tablename__ = "processed_events"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012 - SQLAlchemy's declarative protocol

    message_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class StreamTimeRow(Base):
    """The highest event time applied per input partition: the watermark is this - lateness.
    Per partition, because a partition's order is fixed: restarts reach the same decisions."""

    __tablename__ = "stream_times"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012

    topic: Mapped[str] = mapped_column(String(255), primary_key=True)
    partition: Mapped[int] = mapped_column(primary_key=True)
    stream_time: Mapped[datetime] = mapped_column(Timestamp)


class IdentityRow(Base):
    """An identifier and the person it resolves to; see services/sessionizer/identity.py.
    ``version`` is that of the identifier's last IdentityLink: 1 when first seen, one more each
    time it moved to another person."""

    __tablename__ = "identities"
    __table_args__ = (Index("ix_identities_person_id", "person_id"), {"schema": SCHEMA})

    identifier: Mapped[str] = mapped_column(String(512), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(Timestamp)
    version: Mapped[int] = mapped_column(server_default="1")


class MergeRow(Base):
    """A person absorbed into another when an event linked their identifiers."""

    __tablename__ = "merges"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012

    absorbed_person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    into_person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(512))
    merged_at: Mapped[datetime] = mapped_column(Timestamp)


class WebEventRow(Base):
    """The fields of each applied web event that sessions are recomputed from."""

    __tablename__ = "web_events"
    __table_args__ = (
        Index("ix_web_events_person_id_occurred_at", "person_id", "occurred_at"),
        {"schema": SCHEMA},
    )

    message_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    channel: Mapped[str] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(512))
    medium: Mapped[str | None] = mapped_column(String(512))
    campaign: Mapped[str | None] = mapped_column(String(512))
    landing_page: Mapped[str | None] = mapped_column(Text)
    tagged: Mapped[bool]


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_person_id_started_at", "person_id", "started_at"),
        Index("ix_sessions_last_event_at", "last_event_at"),
        {"schema": SCHEMA},
    )

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    last_event_at: Mapped[datetime] = mapped_column(Timestamp)
    event_count: Mapped[int]


class TouchpointRow(Base):
    __tablename__ = "touchpoints"
    __table_args__ = (
        Index("ix_touchpoints_person_id_occurred_at", "person_id", "occurred_at"),
        {"schema": SCHEMA},
    )

    touchpoint_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    channel: Mapped[str] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(512))
    medium: Mapped[str | None] = mapped_column(String(512))
    campaign: Mapped[str | None] = mapped_column(String(512))
    landing_page: Mapped[str | None] = mapped_column(Text)
    touch_type: Mapped[str] = mapped_column(String(100), server_default="session")
    version: Mapped[int] = mapped_column(default=1)
    retracted: Mapped[bool] = mapped_column(server_default="false")


class ConversionRow(Base):
    __tablename__ = "conversions"
    __table_args__ = (
        Index("ix_conversions_person_id_occurred_at", "person_id", "occurred_at"),
        {"schema": SCHEMA},
    )

    conversion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    name: Mapped[str] = mapped_column(String(200))
    revenue: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    currency: Mapped[str] = mapped_column(String(3))
    stage: Mapped[str] = mapped_column(String(40), server_default="purchase")
    version: Mapped[int] = mapped_column(server_default="1")
