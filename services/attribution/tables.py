"""Tables owned by the attribution service (schema ``attribution``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import Base
from shared.outbox import outbox_table
from shared.store import jobs_table

SCHEMA = "attribution"
Timestamp = DateTime(timezone=True)
OUTBOX = outbox_table(SCHEMA, Base.metadata)
JOBS = jobs_table(SCHEMA, Base.metadata)


class TouchpointRow(Base):
    """The attribution service's own copy of each touchpoint, from the journeys topic."""

    __tablename__ = "touchpoints"
    __table_args__ = (
        Index("ix_touchpoints_person_id_occurred_at", "person_id", "occurred_at"),
        {"schema": SCHEMA},
    )

    touchpoint_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    channel: Mapped[str] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(512))
    campaign: Mapped[str | None] = mapped_column(String(512))
    version: Mapped[int]
    retracted: Mapped[bool] = mapped_column(server_default="false")


class ConversionRow(Base):
    __tablename__ = "conversions"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012 - SQLAlchemy's declarative protocol

    conversion_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    revenue: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    currency: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200), server_default="")
    stage: Mapped[str] = mapped_column(String(40), server_default="purchase")
    version: Mapped[int] = mapped_column(server_default="1")


class CreditRow(Base):
    """One model's share of one conversion for one touchpoint (or for none: unattributed)."""

    __tablename__ = "credits"
    __table_args__ = (
        Index("ix_credits_model", "model"),
        Index("ix_credits_conversion_id", "conversion_id"),
        {"schema": SCHEMA},
    )

    credit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversion_id: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(40))
    touchpoint_id: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[str] = mapped_column(String(64))
    weight: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    revenue: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    currency: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(40))
    campaign: Mapped[str | None] = mapped_column(String(512))
    source: Mapped[str | None] = mapped_column(String(512))
