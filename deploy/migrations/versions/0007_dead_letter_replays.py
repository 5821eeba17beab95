"""dead letters: what has been replayed, so each is sent back once (schema ops)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS ops")
    op.create_table(
        "dead_letter_replays",
        sa.Column("position", sa.String(length=300), nullable=False),
        sa.Column("origin_topic", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "replayed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_dead_letter_replays")),
        schema="ops",
    )


def downgrade() -> None:
    op.drop_table("dead_letter_replays", schema="ops")
    op.execute("DROP SCHEMA IF EXISTS ops")
