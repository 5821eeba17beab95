"""feedback: each case keeps the most urgent rule priority of its responses, so a repeat
negative raises it the same whatever order the responses came in

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Null for cases stored before: their sla_priority stands in (services/feedback/lifecycle).
    op.add_column(
        "cases", sa.Column("base_priority", sa.SmallInteger(), nullable=True), schema="feedback"
    )


def downgrade() -> None:
    op.drop_column("cases", "base_priority", schema="feedback")
