"""Tables of the collector's webhook integrations (schema ``collector``, migration 0004)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from shared.database import Base

SCHEMA = "collector"


class SourceIntegrationRow(Base):
    """The provider a source receives webhooks from, and what verifies them.

    ``secret`` is kept readable because HMAC checks need the key itself (HubSpot, Mailgun,
    generic, Salesforce's URL token); SendGrid's is a public key; Pipedrive's credentials are
    stored as a SHA-256, since they are only ever compared.
    """

    __tablename__ = "source_integrations"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012 - SQLAlchemy's declarative protocol

    source_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("collector.sources.source_id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    secret: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookReceiptRow(Base):
    """A signature or messageId the edge has already taken."""

    __tablename__ = "webhook_receipts"
    __table_args__ = {"schema": SCHEMA}  # noqa: RUF012 - SQLAlchemy's declarative protocol

    receipt_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
