"""attribution engine: every model in the stream, fitted counts, costs, rates, reports

Replaces the attribution schema's touchpoints, conversions and credits (the project's data is
disposable: nothing is carried over; replay the journeys topic to rebuild them) and adds what the
set-based consumer maintains: outcomes (a deal's conversions keyed by the deal), each person's
contribution to the fitted counts, the counts and fits of Markov and Shapley, the report
aggregates (credit totals, credit versions, reach), ad costs, imported spend, rates by day, the
campaigns' channels and the restatement walks.

Revision ID: 0011
Revises: 0010 (the numbers before it went to the sessionizer's and feedback's schemas, merged
first)
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "attribution"
KEY = sa.String(length=64)
TEXT = sa.String(length=512)
WEIGHT = sa.Numeric(precision=14, scale=6)
MONEY = sa.Numeric(precision=20, scale=4)
TIME = sa.DateTime(timezone=True)
NEW_TABLES = (
    "deal_losses",
    "persons",
    "outcomes",
    "credit_totals",
    "credit_months",
    "rollup_dirty",
    "rollup_state",
    "reach_months",
    "credit_versions",
    "fitted_counts",
    "fits",
    "current_fits",
    "reach",
    "ad_costs",
    "ad_cost_totals",
    "cost_months",
    "cost_dirty",
    "spend",
    "campaign_channels",
    "rates",
    "walks",
)


def col(name: str, kind: sa.types.TypeEngine[object], *, null: bool = False) -> sa.Column[object]:
    return sa.Column(name, kind, nullable=null)


def table(name: str, *columns: sa.Column[object], key: Sequence[str]) -> None:
    op.create_table(
        name, *columns, sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{name}")), schema=S
    )


def upgrade() -> None:
    for name in ("credits", "touchpoints", "conversions"):
        op.drop_table(name, schema=S)
    _journeys()
    _derived()
    _aggregates()
    _costs()


def _journeys() -> None:
    table(
        "touchpoints",
        col("touchpoint_id", KEY),
        col("person_id", KEY),
        col("occurred_at", TIME),
        col("channel", sa.String(length=40)),
        col("source", TEXT, null=True),
        col("medium", TEXT, null=True),
        col("campaign", TEXT, null=True),
        col("touch_type", sa.String(length=100)),
        col("version", sa.Integer()),
        col("retracted", sa.Boolean()),
        key=["touchpoint_id"],
    )
    op.create_index("ix_touchpoints_person_id", "touchpoints", ["person_id"], schema=S)
    table(
        "conversions",
        col("conversion_id", KEY),
        col("person_id", KEY),
        col("occurred_at", TIME),
        col("name", sa.String(length=200)),
        col("stage", sa.String(length=40)),
        col("revenue", MONEY),
        col("currency", sa.String(length=3)),
        col("deal_id", sa.String(length=200), null=True),
        col("version", sa.Integer()),
        key=["conversion_id"],
    )
    op.create_index("ix_conversions_person_id", "conversions", ["person_id"], schema=S)
    op.create_index("ix_conversions_deal_id", "conversions", ["deal_id"], schema=S)
    table(
        "deal_losses",
        col("deal_id", sa.String(length=200)),
        col("lost_at", TIME),
        key=["deal_id"],
    )


def _derived() -> None:
    table(
        "persons",
        col("person_id", KEY),
        col("contribution", sa.LargeBinary()),
        col("reach", sa.LargeBinary()),
        col("null_due", TIME, null=True),
        key=["person_id"],
    )
    op.create_index(
        "ix_persons_null_due",
        "persons",
        ["null_due"],
        schema=S,
        postgresql_where=sa.text("null_due IS NOT NULL"),
    )
    table(
        "outcomes",
        col("outcome_id", KEY),
        col("person_id", KEY),
        col("converted_at", TIME),
        col("stage", sa.String(length=40)),
        col("revenue", MONEY),
        col("currency", sa.String(length=3)),
        col("deal_id", sa.String(length=200), null=True),
        col("credited", sa.Boolean()),
        col("conversion_ids", sa.String()),
        col("lead_created", TIME, null=True),
        col("opportunity_created", TIME, null=True),
        col("deal_closed", TIME, null=True),
        col("credit_version", sa.Integer()),
        key=["outcome_id"],
    )
    table(
        "credits",
        col("outcome_id", KEY),
        col("model", sa.String(length=40)),
        col("touchpoint_id", KEY),
        col("person_id", KEY),
        col("model_key", sa.String(length=300)),
        col("fit_id", KEY),
        col("channel_set", sa.String(length=2000)),
        col("weight", WEIGHT),
        col("revenue", MONEY),
        col("currency", sa.String(length=3)),
        col("day", sa.Date()),
        col("stage", sa.String(length=40)),
        col("converted_at", TIME),
        col("channel", sa.String(length=40)),
        col("source", TEXT, null=True),
        col("medium", TEXT, null=True),
        col("campaign", TEXT, null=True),
        col("touch_type", sa.String(length=100), null=True),
        key=["outcome_id", "model", "touchpoint_id"],
    )
    op.create_index(
        "ix_credits_model_fit_id_channel_set",
        "credits",
        ["model", "fit_id", "channel_set"],
        schema=S,
    )
    table(
        "fitted_counts",
        col("model_key", sa.String(length=300)),
        col("item", sa.String(length=2000)),
        col("conversions", sa.BigInteger()),
        col("nulls", sa.BigInteger()),
        key=["model_key", "item"],
    )
    table(
        "fits",
        col("fit_id", KEY),
        col("model_key", sa.String(length=300)),
        col("fitted_at", TIME),
        col("scores", sa.LargeBinary()),
        col("channels", sa.Integer()),
        col("solve_ms", sa.Numeric(precision=12, scale=3)),
        key=["fit_id"],
    )
    op.create_index("ix_fits_model_key_fitted_at", "fits", ["model_key", "fitted_at"], schema=S)
    table(
        "current_fits",
        col("model_key", sa.String(length=300)),
        col("fit_id", KEY),
        key=["model_key"],
    )
    table(
        "walks",
        col("settings_key", KEY),
        col("cursor", KEY),
        col("persons", sa.BigInteger()),
        col("started_at", TIME),
        col("finished_at", TIME, null=True),
        key=["settings_key"],
    )


def _aggregates() -> None:
    table(
        "credit_totals",
        col("model", sa.String(length=40)),
        col("dimension", sa.String(length=20)),
        col("day", sa.Date()),
        col("value", TEXT),
        col("stage", sa.String(length=40)),
        col("currency", sa.String(length=3)),
        col("conversions", WEIGHT),
        col("revenue", MONEY),
        key=["model", "dimension", "day", "value", "stage", "currency"],
    )
    table(
        "credit_months",
        col("model", sa.String(length=40)),
        col("dimension", sa.String(length=20)),
        col("month", sa.Date()),
        col("value", TEXT),
        col("stage", sa.String(length=40)),
        col("currency", sa.String(length=3)),
        col("conversions", WEIGHT),
        col("revenue", sa.Numeric()),
        key=["model", "dimension", "month", "value", "stage", "currency"],
    )
    table("rollup_dirty", col("month", sa.Date()), key=["month"])
    table(
        "rollup_state",
        col("name", sa.String(length=40)),
        col("currency", sa.String(length=3)),
        key=["name"],
    )
    table(
        "credit_versions",
        col("model", sa.String(length=40)),
        col("model_key", sa.String(length=300)),
        col("fit_id", KEY),
        col("channel_set", sa.String(length=2000)),
        col("conversions", sa.BigInteger()),
        key=["model", "model_key", "fit_id", "channel_set"],
    )
    table(
        "reach",
        col("dimension", sa.String(length=20)),
        col("day", sa.Date()),
        col("value", TEXT),
        col("stage", sa.String(length=40)),
        col("persons", sa.BigInteger()),
        key=["dimension", "day", "value", "stage"],
    )
    table(
        "reach_months",
        col("dimension", sa.String(length=20)),
        col("month", sa.Date()),
        col("value", TEXT),
        col("stage", sa.String(length=40)),
        col("persons", sa.BigInteger()),
        key=["dimension", "month", "value", "stage"],
    )


def campaign() -> list[sa.Column[object]]:
    return [col("source", TEXT), col("medium", TEXT), col("campaign", TEXT)]


def counts() -> list[sa.Column[object]]:
    return [col("impressions", sa.BigInteger()), col("clicks", sa.BigInteger())]


def _costs() -> None:
    table(
        "ad_costs",
        col("message_id", sa.String(length=200)),
        col("day", sa.Date()),
        col("channel", sa.String(length=40)),
        *campaign(),
        col("currency", sa.String(length=3)),
        col("cost", MONEY),
        *counts(),
        key=["message_id"],
    )
    table(
        "ad_cost_totals",
        col("day", sa.Date()),
        *campaign(),
        col("channel", sa.String(length=40)),
        col("currency", sa.String(length=3)),
        col("cost", MONEY),
        *counts(),
        key=["day", "source", "medium", "campaign", "channel", "currency"],
    )
    table(
        "cost_months",
        col("dimension", sa.String(length=20)),
        col("month", sa.Date()),
        col("value", TEXT),
        col("currency", sa.String(length=3)),
        col("cost", sa.Numeric()),
        col("impressions", sa.BigInteger()),
        col("clicks", sa.BigInteger()),
        key=["dimension", "month", "value", "currency"],
    )
    table("cost_dirty", col("month", sa.Date()), key=["month"])
    table(
        "spend",
        col("day", sa.Date()),
        *campaign(),
        col("channel", sa.String(length=40), null=True),
        col("currency", sa.String(length=3)),
        col("cost", MONEY),
        col("impressions", sa.BigInteger(), null=True),
        col("clicks", sa.BigInteger(), null=True),
        col("imported_at", TIME),
        key=["day", "source", "medium", "campaign"],
    )
    table(
        "campaign_channels",
        *campaign(),
        col("channel", sa.String(length=40)),
        key=["source", "medium", "campaign"],
    )
    table(
        "rates",
        col("currency", sa.String(length=3)),
        col("day", sa.Date()),
        col("rate", sa.Numeric(precision=24, scale=10)),
        key=["currency", "day"],
    )


def downgrade() -> None:
    """Back to 0010's attribution tables, empty (the stream rebuilds them)."""
    for name in (*NEW_TABLES, "credits", "touchpoints", "conversions"):
        op.drop_table(name, schema=S)
    table(
        "conversions",
        col("conversion_id", KEY),
        col("person_id", KEY),
        col("occurred_at", TIME),
        col("revenue", sa.Numeric(precision=18, scale=4)),
        col("currency", sa.String(length=3)),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("stage", sa.String(length=40), server_default="purchase", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        key=["conversion_id"],
    )
    table(
        "credits",
        col("credit_id", KEY),
        col("conversion_id", KEY),
        col("model", sa.String(length=40)),
        col("touchpoint_id", KEY, null=True),
        col("person_id", KEY),
        col("weight", sa.Numeric(precision=12, scale=6)),
        col("revenue", sa.Numeric(precision=18, scale=4)),
        col("currency", sa.String(length=3)),
        col("channel", sa.String(length=40)),
        col("campaign", TEXT, null=True),
        col("source", TEXT, null=True),
        key=["credit_id"],
    )
    op.create_index("ix_credits_model", "credits", ["model"], schema=S)
    op.create_index("ix_credits_conversion_id", "credits", ["conversion_id"], schema=S)
    table(
        "touchpoints",
        col("touchpoint_id", KEY),
        col("person_id", KEY),
        col("occurred_at", TIME),
        col("channel", sa.String(length=40)),
        col("source", TEXT, null=True),
        col("campaign", TEXT, null=True),
        col("version", sa.Integer()),
        sa.Column("retracted", sa.Boolean(), server_default="false", nullable=False),
        key=["touchpoint_id"],
    )
    op.create_index(
        "ix_touchpoints_person_id_occurred_at",
        "touchpoints",
        ["person_id", "occurred_at"],
        schema=S,
    )
