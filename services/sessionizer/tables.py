"""Tables owned by the sessionizer (schema ``sessionizer``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Index, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import Base

SCHEMA = "sessionizer"
Timestamp = DateTime(timezone=True)


class ProcessedEventRow(Base):
    """Every messageId applied once; a redelivered event finds its row and changes nothing."""

    __tablename__ = "processed_events"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012 - SQLAlchemy's declarative protocol

    message_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class IdentityRow(Base):
    """An identifier (anonymousId, userId) and the person it resolves to."""

    __tablename__ = "identities"
    __table_args__ = (Index("ix_identities_person_id", "person_id"), {"schema": SCHEMA})

    identifier: Mapped[str] = mapped_column(String(512), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(Timestamp)


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_person_id_last_event_at", "person_id", "last_event_at"),
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
    version: Mapped[int] = mapped_column(default=1)


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
