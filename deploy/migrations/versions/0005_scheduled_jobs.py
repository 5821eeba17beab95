"""consumer kit: a jobs table per consuming service, for scheduled jobs' last success

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMAS = ("sessionizer", "attribution", "feedback")


def upgrade() -> None:
    for schema in SCHEMAS:
        op.create_table(
            "jobs",
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("runs", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
            sa.PrimaryKeyConstraint("name", name=op.f("pk_jobs")),
            schema=schema,
        )


def downgrade() -> None:
    for schema in SCHEMAS:
        op.drop_table("jobs", schema=schema)
