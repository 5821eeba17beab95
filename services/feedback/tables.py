"""Tables owned by the feedback service (schema ``feedback``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import Base
from shared.outbox import outbox_table
from shared.store import jobs_table

SCHEMA = "feedback"
Timestamp = DateTime(timezone=True)
OUTBOX = outbox_table(SCHEMA, Base.metadata)
JOBS = jobs_table(SCHEMA, Base.metadata)


class CaseRow(Base):
    """A follow-up case. A person has at most one open case; new negatives attach to it."""

    __tablename__ = "cases"
    __table_args__ = (
        Index(
            "uq_cases_open_person",
            "person_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_cases_status_opened_at", "status", "opened_at"),
        {"schema": SCHEMA},
    )

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    signal_count: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class SignalRow(Base):
    """One negative feedback event, kept once per messageId."""

    __tablename__ = "signals"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012 - SQLAlchemy's declarative protocol

    message_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(20))
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
