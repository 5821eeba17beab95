"""What has been replayed from the dead-letter topic (schema ``ops``), so a replay sends each
dead letter back once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import Base

SCHEMA = "ops"


class ReplayRow(Base):
    __tablename__ = "dead_letter_replays"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012 - SQLAlchemy's declarative protocol

    # topic:partition:offset of the dead letter.
    position: Mapped[str] = mapped_column(String(300), primary_key=True)
    origin_topic: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(500))
    replayed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
