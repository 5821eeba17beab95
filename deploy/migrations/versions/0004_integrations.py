"""integrations: per-source provider secrets and webhook receipts

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A table beside `sources` rather than columns on it: write-key authentication stays as it
    # is, and only sources that receive webhooks carry a provider and its verification secret.
    op.create_table(
        "source_integrations",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["collector.sources.source_id"],
            name=op.f("fk_source_integrations_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_source_integrations")),
        schema="collector",
    )
    # What the edge has already taken: signatures (replays) and message ids (provider retries).
    op.create_table(
        "webhook_receipts",
        sa.Column("receipt_id", sa.String(length=120), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("receipt_id", name=op.f("pk_webhook_receipts")),
        schema="collector",
    )
    op.create_index(
        "ix_webhook_receipts_received_at", "webhook_receipts", ["received_at"], schema="collector"
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_receipts_received_at", "webhook_receipts", schema="collector")
    op.drop_table("webhook_receipts", schema="collector")
    op.drop_table("source_integrations", schema="collector")
