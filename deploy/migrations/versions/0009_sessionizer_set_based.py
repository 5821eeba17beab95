"""sessionizer set-based: the version of each identifier's identity link

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Identifiers known before this revision were never published: their first link is 1.
    op.add_column(
        "identities",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        schema="sessionizer",
    )


def downgrade() -> None:
    op.drop_column("identities", "version", schema="sessionizer")
