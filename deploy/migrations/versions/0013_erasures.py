"""privacy: erasures — each consuming service's queue of erasures waiting to be applied and its
record of those applied, the outboxes' tombstones, and feedback's counts of erased cases

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMAS = ("sessionizer", "attribution", "feedback")
TIME = sa.DateTime(timezone=True)
TEXTS = postgresql.ARRAY(sa.Text())


def upgrade() -> None:
    for schema in SCHEMAS:
        op.add_column(
            "outbox",
            sa.Column("tombstone", sa.Boolean(), server_default=sa.text("false"), nullable=False),
            schema=schema,
        )
        op.create_table(
            "erasure_queue",
            sa.Column("position", sa.String(length=300), nullable=False),
            sa.Column("request_id", sa.String(length=64), nullable=False),
            sa.Column(
                "person_id", sa.String(length=512), server_default=sa.text("''"), nullable=False
            ),
            sa.Column("identifiers", TEXTS, nullable=False),
            sa.Column("received_at", TIME, nullable=False),
            sa.Column("due_at", TIME, nullable=False),
            sa.PrimaryKeyConstraint("position", name=op.f("pk_erasure_queue")),
            schema=schema,
        )
        op.create_index(
            f"ix_{schema}_erasure_queue_due_at", "erasure_queue", ["due_at"], schema=schema
        )
        op.create_table(
            "erasures",
            sa.Column("request_id", sa.String(length=64), nullable=False),
            sa.Column("persons", sa.Integer(), nullable=False),
            sa.Column("rows", postgresql.JSONB(), nullable=False),
            sa.Column("positions", TEXTS, nullable=False),
            sa.Column("received_at", TIME, nullable=False),
            sa.Column("erased_at", TIME, nullable=False),
            sa.PrimaryKeyConstraint("request_id", name=op.f("pk_erasures")),
            schema=schema,
        )
    op.create_table(
        "erased_case_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("campaign", sa.String(length=512), nullable=False),
        sa.Column("opened", sa.BigInteger(), nullable=False),
        sa.Column("contacted", sa.BigInteger(), nullable=False),
        sa.Column("contact_seconds", sa.Float(), nullable=False),
        sa.Column("contacted_in_time", sa.BigInteger(), nullable=False),
        sa.Column("resolved", sa.BigInteger(), nullable=False),
        sa.Column("resolve_seconds", sa.Float(), nullable=False),
        sa.Column("resolved_in_time", sa.BigInteger(), nullable=False),
        sa.Column("recovered", sa.BigInteger(), nullable=False),
        sa.Column("reopened", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", "campaign", name=op.f("pk_erased_case_counts")),
        schema="feedback",
    )


def downgrade() -> None:
    op.drop_table("erased_case_counts", schema="feedback")
    for schema in SCHEMAS:
        op.drop_table("erasures", schema=schema)
        op.drop_index(f"ix_{schema}_erasure_queue_due_at", "erasure_queue", schema=schema)
        op.drop_table("erasure_queue", schema=schema)
        op.drop_column("outbox", "tombstone", schema=schema)
