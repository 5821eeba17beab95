"""Tables owned by the attribution service (schema ``attribution``), as SQLAlchemy Core tables:
the stream reads and writes them set-based (services/attribution/repository/)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    text,
)

from shared.database import Base
from shared.outbox import outbox_table
from shared.store import jobs_table

SCHEMA = "attribution"
metadata = Base.metadata
OUTBOX = outbox_table(SCHEMA, metadata)
JOBS = jobs_table(SCHEMA, metadata)
Timestamp = DateTime(timezone=True)
Key = String(64)
Text = String(512)
Weight = Numeric(14, 6)  # sums of weights: one conversion is 1.000000
Money = Numeric(20, 4)


def _col(name: str, kind: Any, *, key: bool = False, null: bool = False) -> Column[Any]:
    return Column(name, kind, primary_key=key, nullable=null)


# The journeys topic's touchpoints and conversions, at their latest version.
TOUCHPOINTS = Table(
    "touchpoints",
    metadata,
    _col("touchpoint_id", Key, key=True),
    _col("person_id", Key),
    _col("occurred_at", Timestamp),
    _col("channel", String(40)),
    _col("source", Text, null=True),
    _col("medium", Text, null=True),
    _col("campaign", Text, null=True),
    _col("touch_type", String(100)),
    _col("version", Integer),
    _col("retracted", Boolean),
    Index("ix_touchpoints_person_id", "person_id"),
    schema=SCHEMA,
)
CONVERSIONS = Table(
    "conversions",
    metadata,
    _col("conversion_id", Key, key=True),
    _col("person_id", Key),
    _col("occurred_at", Timestamp),
    _col("name", String(200)),
    _col("stage", String(40)),
    _col("revenue", Money),
    _col("currency", String(3)),
    _col("deal_id", String(200), null=True),
    _col("version", Integer),
    Index("ix_conversions_person_id", "person_id"),
    Index("ix_conversions_deal_id", "deal_id"),
    schema=SCHEMA,
)
# The latest time each deal left the won stage (from the raw events topic).
DEAL_LOSSES = Table(
    "deal_losses",
    metadata,
    _col("deal_id", String(200), key=True),
    _col("lost_at", Timestamp),
    schema=SCHEMA,
)
# What each person currently contributes to the shared counts (msgspec JSON), so that a change
# subtracts exactly what was added; null_due: when a pending path becomes non-converting.
PERSONS = Table(
    "persons",
    metadata,
    _col("person_id", Key, key=True),
    _col("contribution", LargeBinary),
    _col("reach", LargeBinary),
    _col("null_due", Timestamp, null=True),
    Index("ix_persons_null_due", "null_due", postgresql_where=text("null_due IS NOT NULL")),
    schema=SCHEMA,
)
OUTCOMES = Table(
    "outcomes",
    metadata,
    _col("outcome_id", Key, key=True),
    _col("person_id", Key),
    _col("converted_at", Timestamp),
    _col("stage", String(40)),
    _col("revenue", Money),
    _col("currency", String(3)),
    _col("deal_id", String(200), null=True),
    _col("credited", Boolean),
    _col("conversion_ids", String()),  # joined by \x1f
    _col("lead_created", Timestamp, null=True),
    _col("opportunity_created", Timestamp, null=True),
    _col("deal_closed", Timestamp, null=True),
    _col("credit_version", Integer),
    schema=SCHEMA,
)
CREDITS = Table(
    "credits",
    metadata,
    _col("outcome_id", Key, key=True),
    _col("model", String(40), key=True),
    _col("touchpoint_id", Key, key=True),  # "" when unattributed
    _col("person_id", Key),
    _col("model_key", String(300)),
    _col("fit_id", String(64)),
    _col("channel_set", String(2000)),
    _col("weight", Weight),
    _col("revenue", Money),
    _col("currency", String(3)),
    _col("day", Date),
    _col("stage", String(40)),
    _col("converted_at", Timestamp),
    _col("channel", String(40)),
    _col("source", Text, null=True),
    _col("medium", Text, null=True),
    _col("campaign", Text, null=True),
    _col("touch_type", String(100), null=True),
    Index("ix_credits_model_fit_id_channel_set", "model", "fit_id", "channel_set"),
    schema=SCHEMA,
)
# Credited conversions and revenue per model and day, once per report dimension.
CREDIT_TOTALS = Table(
    "credit_totals",
    metadata,
    _col("model", String(40), key=True),
    _col("dimension", String(20), key=True),
    _col("day", Date, key=True),
    _col("value", Text, key=True),
    _col("stage", String(40), key=True),
    _col("currency", String(3), key=True),
    _col("conversions", Weight),
    _col("revenue", Money),
    schema=SCHEMA,
)
# The same by month, revenue converted into the reporting currency at each conversion's date
# (``currency`` is the reporting one; an amount with no rate on its day keeps its own), so a
# report over whole months reads a twentieth of the rows. Exact: the monthly row is the sum of
# its days' rows, each times its day's factor.
CREDIT_MONTHS = Table(
    "credit_months",
    metadata,
    _col("model", String(40), key=True),
    _col("dimension", String(20), key=True),
    _col("month", Date, key=True),
    _col("value", Text, key=True),
    _col("stage", String(40), key=True),
    _col("currency", String(3), key=True),
    _col("conversions", Weight),
    _col("revenue", Numeric()),  # unbounded scale: sums of amount times factor stay exact
    schema=SCHEMA,
)
# Months whose rollup must be rebuilt from the days (rates imported, reporting currency changed);
# reports read their days meanwhile.
ROLLUP_DIRTY = Table(
    "rollup_dirty",
    metadata,
    _col("month", Date, key=True),
    schema=SCHEMA,
)
ROLLUP_STATE = Table(
    "rollup_state",
    metadata,
    _col("name", String(40), key=True),
    _col("currency", String(3)),
    schema=SCHEMA,
)
# How many conversions each model's credits are under, by settings key and fit.
CREDIT_VERSIONS = Table(
    "credit_versions",
    metadata,
    _col("model", String(40), key=True),
    _col("model_key", String(300), key=True),
    _col("fit_id", String(64), key=True),
    _col("channel_set", String(2000), key=True),
    _col("conversions", BigInteger),
    schema=SCHEMA,
)
FITTED_COUNTS = Table(
    "fitted_counts",
    metadata,
    _col("model_key", String(300), key=True),
    _col("item", String(2000), key=True),
    _col("conversions", BigInteger),
    _col("nulls", BigInteger),
    schema=SCHEMA,
)
FITS = Table(
    "fits",
    metadata,
    _col("fit_id", Key, key=True),
    _col("model_key", String(300)),
    _col("fitted_at", Timestamp),
    _col("scores", LargeBinary),  # msgspec JSON: scores, value scores, errors, totals
    _col("channels", Integer),
    _col("solve_ms", Numeric(12, 3)),
    Index("ix_fits_model_key_fitted_at", "model_key", "fitted_at"),
    schema=SCHEMA,
)
# Which fit of each fitted model weighs new credits.
CURRENT_FITS = Table(
    "current_fits",
    metadata,
    _col("model_key", String(300), key=True),
    _col("fit_id", Key),
    schema=SCHEMA,
)
# Persons touched per group, by the day the group first touched them, and those who converted.
REACH = Table(
    "reach",
    metadata,
    _col("dimension", String(20), key=True),
    _col("day", Date, key=True),
    _col("value", Text, key=True),
    _col("stage", String(40), key=True),
    _col("persons", BigInteger),
    schema=SCHEMA,
)
REACH_MONTHS = Table(
    "reach_months",
    metadata,
    _col("dimension", String(20), key=True),
    _col("month", Date, key=True),
    _col("value", Text, key=True),
    _col("stage", String(40), key=True),
    _col("persons", BigInteger),
    schema=SCHEMA,
)
# Cost by month per report dimension (channel, source, medium, campaign), in the reporting
# currency: the days' imported spend, else the ad events' costs, converted at each day's rate.
# Rebuilt from the days by the rollups job whenever a month's costs or rates change.
COST_MONTHS = Table(
    "cost_months",
    metadata,
    _col("dimension", String(20), key=True),
    _col("month", Date, key=True),
    _col("value", Text, key=True),
    _col("currency", String(3), key=True),
    _col("cost", Numeric()),
    _col("impressions", BigInteger),
    _col("clicks", BigInteger),
    schema=SCHEMA,
)
COST_DIRTY = Table(
    "cost_dirty",
    metadata,
    _col("month", Date, key=True),
    schema=SCHEMA,
)
AD_COSTS = Table(
    "ad_costs",
    metadata,
    _col("message_id", String(200), key=True),
    _col("day", Date),
    _col("channel", String(40)),
    _col("source", Text),
    _col("medium", Text),
    _col("campaign", Text),
    _col("currency", String(3)),
    _col("cost", Money),
    _col("impressions", BigInteger),
    _col("clicks", BigInteger),
    schema=SCHEMA,
)
AD_COST_TOTALS = Table(
    "ad_cost_totals",
    metadata,
    _col("day", Date, key=True),
    _col("source", Text, key=True),
    _col("medium", Text, key=True),
    _col("campaign", Text, key=True),
    _col("channel", String(40), key=True),
    _col("currency", String(3), key=True),
    _col("cost", Money),
    _col("impressions", BigInteger),
    _col("clicks", BigInteger),
    schema=SCHEMA,
)
# Imported spend: one row per day and campaign; a re-import replaces it, and it replaces the
# ad events' costs of that day and campaign.
SPEND = Table(
    "spend",
    metadata,
    _col("day", Date, key=True),
    _col("source", Text, key=True),
    _col("medium", Text, key=True),
    _col("campaign", Text, key=True),
    _col("channel", String(40), null=True),
    _col("currency", String(3)),
    _col("cost", Money),
    _col("impressions", BigInteger, null=True),
    _col("clicks", BigInteger, null=True),
    _col("imported_at", Timestamp),
    schema=SCHEMA,
)
# The channel touchpoints of a campaign were given, for spend imported without one.
CAMPAIGN_CHANNELS = Table(
    "campaign_channels",
    metadata,
    _col("source", Text, key=True),
    _col("medium", Text, key=True),
    _col("campaign", Text, key=True),
    _col("channel", String(40)),
    schema=SCHEMA,
)
# Units of each currency per one unit of the base currency, from the day given until the next.
RATES = Table(
    "rates",
    metadata,
    _col("currency", String(3), key=True),
    _col("day", Date, key=True),
    _col("rate", Numeric(24, 10)),
    schema=SCHEMA,
)
# Restatement of every person after a change of settings: where it is, and when it finished.
WALKS = Table(
    "walks",
    metadata,
    _col("settings_key", Key, key=True),
    _col("cursor", Key),
    _col("persons", BigInteger),
    _col("started_at", Timestamp),
    _col("finished_at", Timestamp, null=True),
    schema=SCHEMA,
)
