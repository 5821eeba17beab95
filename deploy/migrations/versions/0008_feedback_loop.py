"""feedback loop: identities, persons, journeys copies, responses, cases with history, counts

The case table of the first feedback consumer (one open case per person, a reason and a signal
count) is replaced by the case aggregate of services/feedback/case.py, and ``signals`` by
``responses`` (every response, not only the negative ones). Their rows are dropped, not
converted: in this project's state they are disposable test data, and the new cases need what
the old ones never recorded (queue, SLA clocks, history). Follow-ups still waiting in the outbox
have the old wire shape and are dropped too.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "feedback"
ACTIVE = sa.text("status IN ('open', 'acknowledged')")
TEXTS = postgresql.ARRAY(sa.Text())


def moment(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.execute("DELETE FROM feedback.outbox")
    op.drop_table("signals", schema=SCHEMA)
    op.drop_table("cases", schema=SCHEMA)
    create_people()
    create_responses()
    create_cases()
    create_counts()


def create_people() -> None:
    op.create_table(
        "identities",
        sa.Column("identifier", sa.String(512), nullable=False),
        sa.Column("person_id", sa.String(512), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("identifier", name=op.f("pk_identities")),
        schema=SCHEMA,
    )
    op.create_index("ix_identities_person_id", "identities", ["person_id"], schema=SCHEMA)
    op.create_table(
        "persons",
        sa.Column("person_id", sa.String(512), nullable=False),
        sa.Column(
            "revenue",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("conversions", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("channel", sa.String(40), nullable=True),
        sa.Column("source", sa.String(512), nullable=True),
        sa.Column("campaign", sa.String(512), nullable=True),
        moment("first_touch_at", nullable=True),
        moment("updated_at"),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_persons")),
        schema=SCHEMA,
    )
    op.create_table(
        "touchpoints",
        sa.Column("touchpoint_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(512), nullable=False),
        moment("occurred_at"),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("source", sa.String(512), nullable=True),
        sa.Column("campaign", sa.String(512), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retracted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("touchpoint_id", name=op.f("pk_touchpoints")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_touchpoints_person_id_occurred_at",
        "touchpoints",
        ["person_id", "occurred_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "conversions",
        sa.Column("conversion_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(512), nullable=False),
        moment("occurred_at"),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("conversion_id", name=op.f("pk_conversions")),
        schema=SCHEMA,
    )
    op.create_index("ix_conversions_person_id", "conversions", ["person_id"], schema=SCHEMA)


def create_responses() -> None:
    op.create_table(
        "responses",
        sa.Column("message_id", sa.String(512), nullable=False),
        sa.Column("person_id", sa.String(512), nullable=False),
        sa.Column("instrument", sa.String(20), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("band", sa.String(20), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("declared_language", sa.String(35), nullable=True),
        sa.Column("language", sa.String(10), nullable=True),
        sa.Column("label", sa.String(10), nullable=True),
        sa.Column("text_score", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("themes", TEXTS, nullable=False),
        sa.Column("intents", TEXTS, nullable=False),
        sa.Column("classifier_version", sa.String(200), nullable=True),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("cause", sa.String(20), nullable=True),
        sa.Column("reasons", TEXTS, nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("survey_id", sa.String(200), nullable=True),
        sa.Column("answers_case_id", sa.String(200), nullable=True),
        moment("occurred_at"),
        moment("received_at"),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("counted_channel", sa.String(40), nullable=False),
        sa.Column("counted_campaign", sa.String(512), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_responses")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_responses_person_id_occurred_at",
        "responses",
        ["person_id", "occurred_at"],
        schema=SCHEMA,
    )


def create_cases() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(512), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("sla_priority", sa.SmallInteger(), nullable=False),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        moment("opened_at"),
        moment("clock_started_at"),
        moment("updated_at"),
        sa.Column("response_ids", TEXTS, nullable=False),
        sa.Column("themes", TEXTS, nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        moment("acknowledged_at", nullable=True),
        moment("first_contact_at", nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("resolution_root_cause", sa.Text(), nullable=True),
        sa.Column("resolution_recovered", sa.Boolean(), nullable=True),
        moment("resolved_at", nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("recovered", sa.Boolean(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("first_contact_level", sa.SmallInteger(), nullable=False),
        sa.Column("resolve_level", sa.SmallInteger(), nullable=False),
        sa.Column("merged_into", sa.String(64), nullable=True),
        sa.Column("previous_case_id", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        moment("next_due_at", nullable=True),
        moment("sla_deadline", nullable=True),
        sa.Column("contacted_in_time", sa.Boolean(), nullable=True),
        sa.Column("resolved_in_time", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_cases_active_person",
        "cases",
        ["person_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=ACTIVE,
    )
    op.create_index("ix_cases_person_id", "cases", ["person_id"], schema=SCHEMA)
    op.create_index(
        "ix_cases_next_due_at", "cases", ["next_due_at"], schema=SCHEMA, postgresql_where=ACTIVE
    )
    op.create_index(
        "ix_cases_priority_sla_deadline",
        "cases",
        ["priority", "sla_deadline", "case_id"],
        schema=SCHEMA,
    )
    op.create_index("ix_cases_opened_at", "cases", ["opened_at"], schema=SCHEMA)
    op.create_table(
        "case_events",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("person_id", sa.String(512), nullable=False),
        moment("at"),
        sa.Column("by", sa.Text(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "version", "seq", name=op.f("pk_case_events")),
        schema=SCHEMA,
    )


def create_counts() -> None:
    op.create_table(
        "response_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("instrument", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("campaign", sa.String(512), nullable=False),
        *(
            sa.Column(name, sa.BigInteger(), nullable=False)
            for name in ("responses", "negative", "neutral", "positive", "score_sum")
        ),
        sa.PrimaryKeyConstraint(
            "day", "instrument", "channel", "campaign", name=op.f("pk_response_counts")
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "theme_counts",
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("responses", sa.BigInteger(), nullable=False),
        sa.Column("negative", sa.BigInteger(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("theme", "day", name=op.f("pk_theme_counts")),
        schema=SCHEMA,
    )
    op.create_table(
        "alerts",
        sa.Column("period", sa.String(4), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("measure", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("z", sa.Float(), nullable=True),
        moment("raised_at"),
        sa.PrimaryKeyConstraint("period", "starts_on", "theme", "measure", name=op.f("pk_alerts")),
        schema=SCHEMA,
    )


NEW_TABLES = (
    "alerts",
    "theme_counts",
    "response_counts",
    "case_events",
    "cases",
    "responses",
    "conversions",
    "touchpoints",
    "persons",
    "identities",
)


def downgrade() -> None:
    """Back to the first consumer's two tables, empty (their rows were dropped on upgrade)."""
    for table in NEW_TABLES:
        op.drop_table(table, schema=SCHEMA)
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(512), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("signal_count", sa.Integer(), nullable=False),
        moment("opened_at"),
        moment("updated_at"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        schema=SCHEMA,
    )
    op.create_index("ix_cases_status_opened_at", "cases", ["status", "opened_at"], schema=SCHEMA)
    op.create_index(
        "uq_cases_open_person",
        "cases",
        ["person_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "signals",
        sa.Column("message_id", sa.String(512), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        moment("occurred_at"),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_signals")),
        schema=SCHEMA,
    )
