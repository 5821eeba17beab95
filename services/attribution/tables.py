"""Tables owned by the attribution service (schema ``attribution``), as SQLAlchemy Core tables:
the stream reads and writes them set-based (services/attribution/repository/); the report
aggregates are in ``report_tables.py``, re-exported here."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    text,
)

from services.attribution.report_tables import (
    AD_COST_TOTALS,
    AD_COSTS,
    CAMPAIGN_CHANNELS,
    COST_DIRTY,
    COST_MONTHS,
    CREDIT_MONTHS,
    CREDIT_TOTALS,
    RATES,
    REACH,
    REACH_MONTHS,
    ROLLUP_DIRTY,
    ROLLUP_STATE,
    SPEND,
)
from services.attribution.tables_common import (
    SCHEMA,
    Key,
    Money,
    Text,
    Timestamp,
    Weight,
    col,
    metadata,
)
from shared.outbox import outbox_table
from shared.privacy.tables import ErasureTables
from shared.store import jobs_table

__all__ = [
    "AD_COSTS",
    "AD_COST_TOTALS",
    "CAMPAIGN_CHANNELS",
    "COST_DIRTY",
    "COST_MONTHS",
    "CREDIT_MONTHS",
    "CREDIT_TOTALS",
    "RATES",
    "REACH",
    "REACH_MONTHS",
    "ROLLUP_DIRTY",
    "ROLLUP_STATE",
    "SPEND",
]
OUTBOX = outbox_table(SCHEMA, metadata)
JOBS = jobs_table(SCHEMA, metadata)
ERASURE_TABLES = ErasureTables.of(SCHEMA, metadata)


# The journeys topic's touchpoints and conversions, at their latest version.
TOUCHPOINTS = Table(
    "touchpoints",
    metadata,
    col("touchpoint_id", Key, key=True),
    col("person_id", Key),
    col("occurred_at", Timestamp),
    col("channel", String(40)),
    col("source", Text, null=True),
    col("medium", Text, null=True),
    col("campaign", Text, null=True),
    col("touch_type", String(100)),
    col("version", Integer),
    col("retracted", Boolean),
    Index("ix_touchpoints_person_id", "person_id"),
    schema=SCHEMA,
)
CONVERSIONS = Table(
    "conversions",
    metadata,
    col("conversion_id", Key, key=True),
    col("person_id", Key),
    col("occurred_at", Timestamp),
    col("name", String(200)),
    col("stage", String(40)),
    col("revenue", Money),
    col("currency", String(3)),
    col("deal_id", String(200), null=True),
    col("version", Integer),
    Index("ix_conversions_person_id", "person_id"),
    Index("ix_conversions_deal_id", "deal_id"),
    schema=SCHEMA,
)
# The latest time each deal left the won stage (from the raw events topic).
DEAL_LOSSES = Table(
    "deal_losses",
    metadata,
    col("deal_id", String(200), key=True),
    col("lost_at", Timestamp),
    schema=SCHEMA,
)
# What each person currently contributes to the shared counts (msgspec JSON), so that a change
# subtracts exactly what was added; null_due: when a pending path becomes non-converting.
PERSONS = Table(
    "persons",
    metadata,
    col("person_id", Key, key=True),
    col("contribution", LargeBinary),
    col("reach", LargeBinary),
    col("null_due", Timestamp, null=True),
    Index("ix_persons_null_due", "null_due", postgresql_where=text("null_due IS NOT NULL")),
    schema=SCHEMA,
)
OUTCOMES = Table(
    "outcomes",
    metadata,
    col("outcome_id", Key, key=True),
    col("person_id", Key),
    col("converted_at", Timestamp),
    col("stage", String(40)),
    col("revenue", Money),
    col("currency", String(3)),
    col("deal_id", String(200), null=True),
    col("credited", Boolean),
    col("conversion_ids", String()),  # joined by \x1f
    col("lead_created", Timestamp, null=True),
    col("opportunity_created", Timestamp, null=True),
    col("deal_closed", Timestamp, null=True),
    col("credit_version", Integer),
    # The attribution page's latest conversions, newest first (repository/series.py).
    Index("ix_outcomes_converted_at", "converted_at", "outcome_id"),
    schema=SCHEMA,
)
CREDITS = Table(
    "credits",
    metadata,
    col("outcome_id", Key, key=True),
    col("model", String(40), key=True),
    col("touchpoint_id", Key, key=True),  # "" when unattributed
    col("person_id", Key),
    col("model_key", String(300)),
    col("fit_id", String(64)),
    col("channel_set", String(2000)),
    col("weight", Weight),
    col("revenue", Money),
    col("currency", String(3)),
    col("day", Date),
    col("stage", String(40)),
    col("converted_at", Timestamp),
    col("channel", String(40)),
    col("source", Text, null=True),
    col("medium", Text, null=True),
    col("campaign", Text, null=True),
    col("touch_type", String(100), null=True),
    Index("ix_credits_model_fit_id_channel_set", "model", "fit_id", "channel_set"),
    schema=SCHEMA,
)
# How many conversions each model's credits are under, by settings key and fit.
CREDIT_VERSIONS = Table(
    "credit_versions",
    metadata,
    col("model", String(40), key=True),
    col("model_key", String(300), key=True),
    col("fit_id", String(64), key=True),
    col("channel_set", String(2000), key=True),
    col("conversions", BigInteger),
    schema=SCHEMA,
)
FITTED_COUNTS = Table(
    "fitted_counts",
    metadata,
    col("model_key", String(300), key=True),
    col("item", String(2000), key=True),
    col("conversions", BigInteger),
    col("nulls", BigInteger),
    schema=SCHEMA,
)
FITS = Table(
    "fits",
    metadata,
    col("fit_id", Key, key=True),
    col("model_key", String(300)),
    col("fitted_at", Timestamp),
    col("scores", LargeBinary),  # msgspec JSON: scores, value scores, errors, totals
    col("channels", Integer),
    col("solve_ms", Numeric(12, 3)),
    Index("ix_fits_model_key_fitted_at", "model_key", "fitted_at"),
    schema=SCHEMA,
)
# Which fit of each fitted model weighs new credits.
CURRENT_FITS = Table(
    "current_fits",
    metadata,
    col("model_key", String(300), key=True),
    col("fit_id", Key),
    schema=SCHEMA,
)
# Restatement of every person after a change of settings: where it is, and when it finished.
WALKS = Table(
    "walks",
    metadata,
    col("settings_key", Key, key=True),
    col("cursor", Key),
    col("persons", BigInteger),
    col("started_at", Timestamp),
    col("finished_at", Timestamp, null=True),
    schema=SCHEMA,
)
