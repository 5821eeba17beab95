"""The aggregates the attribution's reports read (schema ``attribution``): credit totals by day
and by month, reach, costs from ad events and imports, rates. ``tables.py`` re-exports them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Date, Numeric, String, Table

from services.attribution.tables_common import SCHEMA, Money, Text, Timestamp, Weight, col, metadata

# Credited conversions and revenue per model and day, once per report dimension.
CREDIT_TOTALS = Table(
    "credit_totals",
    metadata,
    col("model", String(40), key=True),
    col("dimension", String(20), key=True),
    col("day", Date, key=True),
    col("value", Text, key=True),
    col("stage", String(40), key=True),
    col("currency", String(3), key=True),
    col("conversions", Weight),
    col("revenue", Money),
    schema=SCHEMA,
)
# The same by month, revenue converted into the reporting currency at each conversion's date
# (``currency`` is the reporting one; an amount with no rate on its day keeps its own), so a
# report over whole months reads a twentieth of the rows. Exact: the monthly row is the sum of
# its days' rows, each times its day's factor.
CREDIT_MONTHS = Table(
    "credit_months",
    metadata,
    col("model", String(40), key=True),
    col("dimension", String(20), key=True),
    col("month", Date, key=True),
    col("value", Text, key=True),
    col("stage", String(40), key=True),
    col("currency", String(3), key=True),
    col("conversions", Weight),
    col("revenue", Numeric()),  # unbounded scale: sums of amount times factor stay exact
    schema=SCHEMA,
)
# Months whose rollup must be rebuilt from the days (rates imported, reporting currency changed);
# reports read their days meanwhile.
ROLLUP_DIRTY = Table(
    "rollup_dirty",
    metadata,
    col("month", Date, key=True),
    schema=SCHEMA,
)
ROLLUP_STATE = Table(
    "rollup_state",
    metadata,
    col("name", String(40), key=True),
    col("currency", String(3)),
    schema=SCHEMA,
)
# Persons touched per group, by the day the group first touched them, and those who converted.
REACH = Table(
    "reach",
    metadata,
    col("dimension", String(20), key=True),
    col("day", Date, key=True),
    col("value", Text, key=True),
    col("stage", String(40), key=True),
    col("persons", BigInteger),
    schema=SCHEMA,
)
REACH_MONTHS = Table(
    "reach_months",
    metadata,
    col("dimension", String(20), key=True),
    col("month", Date, key=True),
    col("value", Text, key=True),
    col("stage", String(40), key=True),
    col("persons", BigInteger),
    schema=SCHEMA,
)
# Cost by month per report dimension (channel, source, medium, campaign), in the reporting
# currency: the days' imported spend, else the ad events' costs, converted at each day's rate.
# Rebuilt from the days by the rollups job whenever a month's costs or rates change.
COST_MONTHS = Table(
    "cost_months",
    metadata,
    col("dimension", String(20), key=True),
    col("month", Date, key=True),
    col("value", Text, key=True),
    col("currency", String(3), key=True),
    col("cost", Numeric()),
    col("impressions", BigInteger),
    col("clicks", BigInteger),
    schema=SCHEMA,
)
COST_DIRTY = Table(
    "cost_dirty",
    metadata,
    col("month", Date, key=True),
    schema=SCHEMA,
)
AD_COSTS = Table(
    "ad_costs",
    metadata,
    col("message_id", String(200), key=True),
    col("day", Date),
    col("channel", String(40)),
    col("source", Text),
    col("medium", Text),
    col("campaign", Text),
    col("currency", String(3)),
    col("cost", Money),
    col("impressions", BigInteger),
    col("clicks", BigInteger),
    schema=SCHEMA,
)
AD_COST_TOTALS = Table(
    "ad_cost_totals",
    metadata,
    col("day", Date, key=True),
    col("source", Text, key=True),
    col("medium", Text, key=True),
    col("campaign", Text, key=True),
    col("channel", String(40), key=True),
    col("currency", String(3), key=True),
    col("cost", Money),
    col("impressions", BigInteger),
    col("clicks", BigInteger),
    schema=SCHEMA,
)
# Imported spend: one row per day and campaign; a re-import replaces it, and it replaces the
# ad events' costs of that day and campaign.
SPEND = Table(
    "spend",
    metadata,
    col("day", Date, key=True),
    col("source", Text, key=True),
    col("medium", Text, key=True),
    col("campaign", Text, key=True),
    col("channel", String(40), null=True),
    col("currency", String(3)),
    col("cost", Money),
    col("impressions", BigInteger, null=True),
    col("clicks", BigInteger, null=True),
    col("imported_at", Timestamp),
    schema=SCHEMA,
)
# The channel touchpoints of a campaign were given, for spend imported without one.
CAMPAIGN_CHANNELS = Table(
    "campaign_channels",
    metadata,
    col("source", Text, key=True),
    col("medium", Text, key=True),
    col("campaign", Text, key=True),
    col("channel", String(40)),
    schema=SCHEMA,
)
# Units of each currency per one unit of the base currency, from the day given until the next.
RATES = Table(
    "rates",
    metadata,
    col("currency", String(3), key=True),
    col("day", Date, key=True),
    col("rate", Numeric(24, 10)),
    schema=SCHEMA,
)
