"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SCHEMAS = ("collector", "sessionizer", "attribution", "feedback")


def upgrade() -> None:
    # One schema per service: each service owns its tables and no other service reads them.
    for schema in SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    op.create_table(
        "conversions",
        sa.Column("conversion_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("conversion_id", name=op.f("pk_conversions")),
        schema="attribution",
    )
    op.create_table(
        "credits",
        sa.Column("credit_id", sa.String(length=64), nullable=False),
        sa.Column("conversion_id", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("touchpoint_id", sa.String(length=64), nullable=True),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("weight", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("campaign", sa.String(length=512), nullable=True),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("credit_id", name=op.f("pk_credits")),
        schema="attribution",
    )
    op.create_index("ix_credits_model", "credits", ["model"], unique=False, schema="attribution")
    op.create_table(
        "touchpoints",
        sa.Column("touchpoint_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.Column("campaign", sa.String(length=512), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("touchpoint_id", name=op.f("pk_touchpoints")),
        schema="attribution",
    )
    op.create_index(
        "ix_touchpoints_person_id_occurred_at",
        "touchpoints",
        ["person_id", "occurred_at"],
        unique=False,
        schema="attribution",
    )
    op.create_table(
        "sources",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("write_key_hash", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_sources_name")),
        sa.UniqueConstraint("write_key_hash", name=op.f("uq_sources_write_key_hash")),
        schema="collector",
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=512), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("signal_count", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        schema="feedback",
    )
    op.create_index(
        "ix_cases_status_opened_at",
        "cases",
        ["status", "opened_at"],
        unique=False,
        schema="feedback",
    )
    op.create_index(
        "uq_cases_open_person",
        "cases",
        ["person_id"],
        unique=True,
        schema="feedback",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "signals",
        sa.Column("message_id", sa.String(length=512), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_signals")),
        schema="feedback",
    )
    op.create_table(
        "conversions",
        sa.Column("conversion_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("conversion_id", name=op.f("pk_conversions")),
        schema="sessionizer",
    )
    op.create_index(
        "ix_conversions_person_id_occurred_at",
        "conversions",
        ["person_id", "occurred_at"],
        unique=False,
        schema="sessionizer",
    )
    op.create_table(
        "identities",
        sa.Column("identifier", sa.String(length=512), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("identifier", name=op.f("pk_identities")),
        schema="sessionizer",
    )
    op.create_index(
        "ix_identities_person_id", "identities", ["person_id"], unique=False, schema="sessionizer"
    )
    op.create_table(
        "processed_events",
        sa.Column("message_id", sa.String(length=512), nullable=False),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_processed_events")),
        schema="sessionizer",
    )
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_sessions")),
        schema="sessionizer",
    )
    op.create_index(
        "ix_sessions_person_id_last_event_at",
        "sessions",
        ["person_id", "last_event_at"],
        unique=False,
        schema="sessionizer",
    )
    op.create_table(
        "touchpoints",
        sa.Column("touchpoint_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.Column("medium", sa.String(length=512), nullable=True),
        sa.Column("campaign", sa.String(length=512), nullable=True),
        sa.Column("landing_page", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("touchpoint_id", name=op.f("pk_touchpoints")),
        schema="sessionizer",
    )
    op.create_index(
        "ix_touchpoints_person_id_occurred_at",
        "touchpoints",
        ["person_id", "occurred_at"],
        unique=False,
        schema="sessionizer",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_touchpoints_person_id_occurred_at", table_name="touchpoints", schema="sessionizer"
    )
    op.drop_table("touchpoints", schema="sessionizer")
    op.drop_index(
        "ix_sessions_person_id_last_event_at", table_name="sessions", schema="sessionizer"
    )
    op.drop_table("sessions", schema="sessionizer")
    op.drop_table("processed_events", schema="sessionizer")
    op.drop_index("ix_identities_person_id", table_name="identities", schema="sessionizer")
    op.drop_table("identities", schema="sessionizer")
    op.drop_index(
        "ix_conversions_person_id_occurred_at", table_name="conversions", schema="sessionizer"
    )
    op.drop_table("conversions", schema="sessionizer")
    op.drop_table("signals", schema="feedback")
    op.drop_index(
        "uq_cases_open_person",
        table_name="cases",
        schema="feedback",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.drop_index("ix_cases_status_opened_at", table_name="cases", schema="feedback")
    op.drop_table("cases", schema="feedback")
    op.drop_table("sources", schema="collector")
    op.drop_index(
        "ix_touchpoints_person_id_occurred_at", table_name="touchpoints", schema="attribution"
    )
    op.drop_table("touchpoints", schema="attribution")
    op.drop_index("ix_credits_model", table_name="credits", schema="attribution")
    op.drop_table("credits", schema="attribution")
    op.drop_table("conversions", schema="attribution")
    for schema in SCHEMAS:
        op.execute(f"DROP SCHEMA IF EXISTS {schema}")
