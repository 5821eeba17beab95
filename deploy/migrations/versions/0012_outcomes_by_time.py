"""attribution: outcomes indexed by their time, for the attribution page's latest conversions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Newest first, a page at a time: the index is read backwards, never the whole table.
    op.create_index(
        "ix_outcomes_converted_at",
        "outcomes",
        ["converted_at", "outcome_id"],
        schema="attribution",
    )


def downgrade() -> None:
    op.drop_index("ix_outcomes_converted_at", table_name="outcomes", schema="attribution")
