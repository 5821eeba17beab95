"""Event-time journeys: stored web events, stream times, merges, touchpoint versions and
retractions, conversion stages, restatable credits, and an outbox per consuming service.

Sessions built before this revision have no stored web events; they stay as they are and are
recomputed only if a new event of theirs arrives.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column(
            "headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="attribution",
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column(
            "headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="feedback",
    )
    op.create_table(
        "merges",
        sa.Column("absorbed_person_id", sa.String(length=64), nullable=False),
        sa.Column("into_person_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=512), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("absorbed_person_id", "into_person_id", name=op.f("pk_merges")),
        schema="sessionizer",
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column(
            "headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="sessionizer",
    )
    op.create_table(
        "stream_times",
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("stream_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("topic", "partition", name=op.f("pk_stream_times")),
        schema="sessionizer",
    )
    op.create_table(
        "web_events",
        sa.Column("message_id", sa.String(length=512), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.Column("medium", sa.String(length=512), nullable=True),
        sa.Column("campaign", sa.String(length=512), nullable=True),
        sa.Column("landing_page", sa.Text(), nullable=True),
        sa.Column("tagged", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_web_events")),
        schema="sessionizer",
    )
    op.create_index(
        "ix_web_events_person_id_occurred_at",
        "web_events",
        ["person_id", "occurred_at"],
        unique=False,
        schema="sessionizer",
    )
    op.add_column(
        "conversions",
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        schema="attribution",
    )
    op.add_column(
        "conversions",
        sa.Column("stage", sa.String(length=40), server_default="purchase", nullable=False),
        schema="attribution",
    )
    op.add_column(
        "conversions",
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        schema="attribution",
    )
    op.create_index(
        "ix_credits_conversion_id", "credits", ["conversion_id"], unique=False, schema="attribution"
    )
    op.add_column(
        "touchpoints",
        sa.Column("retracted", sa.Boolean(), server_default="false", nullable=False),
        schema="attribution",
    )
    op.add_column(
        "conversions",
        sa.Column("stage", sa.String(length=40), server_default="purchase", nullable=False),
        schema="sessionizer",
    )
    op.add_column(
        "conversions",
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        schema="sessionizer",
    )
    op.drop_index(
        op.f("ix_sessions_person_id_last_event_at"), table_name="sessions", schema="sessionizer"
    )
    op.create_index(
        "ix_sessions_last_event_at",
        "sessions",
        ["last_event_at"],
        unique=False,
        schema="sessionizer",
    )
    op.create_index(
        "ix_sessions_person_id_started_at",
        "sessions",
        ["person_id", "started_at"],
        unique=False,
        schema="sessionizer",
    )
    op.add_column(
        "touchpoints",
        sa.Column("touch_type", sa.String(length=100), server_default="session", nullable=False),
        schema="sessionizer",
    )
    op.add_column(
        "touchpoints",
        sa.Column("retracted", sa.Boolean(), server_default="false", nullable=False),
        schema="sessionizer",
    )


def downgrade() -> None:
    op.drop_column("touchpoints", "retracted", schema="sessionizer")
    op.drop_column("touchpoints", "touch_type", schema="sessionizer")
    op.drop_index("ix_sessions_person_id_started_at", table_name="sessions", schema="sessionizer")
    op.drop_index("ix_sessions_last_event_at", table_name="sessions", schema="sessionizer")
    op.create_index(
        op.f("ix_sessions_person_id_last_event_at"),
        "sessions",
        ["person_id", "last_event_at"],
        unique=False,
        schema="sessionizer",
    )
    op.drop_column("conversions", "version", schema="sessionizer")
    op.drop_column("conversions", "stage", schema="sessionizer")
    op.drop_column("touchpoints", "retracted", schema="attribution")
    op.drop_index("ix_credits_conversion_id", table_name="credits", schema="attribution")
    op.drop_column("conversions", "version", schema="attribution")
    op.drop_column("conversions", "stage", schema="attribution")
    op.drop_column("conversions", "name", schema="attribution")
    op.drop_index(
        "ix_web_events_person_id_occurred_at", table_name="web_events", schema="sessionizer"
    )
    op.drop_table("web_events", schema="sessionizer")
    op.drop_table("stream_times", schema="sessionizer")
    op.drop_table("outbox", schema="sessionizer")
    op.drop_table("merges", schema="sessionizer")
    op.drop_table("outbox", schema="feedback")
    op.drop_table("outbox", schema="attribution")
