"""The ``auth`` schema: API tokens, stored as SHA-256 hashes (they are long random strings, so a
slow password hash would add only latency, as for write keys)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import Base

SCHEMA = "auth"


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012 - SQLAlchemy's declarative protocol

    token_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Refreshed when a service looks the token up, i.e. at most once per cache lifetime.
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
