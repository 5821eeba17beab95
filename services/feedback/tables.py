"""Tables owned by the feedback service (schema ``feedback``), as SQLAlchemy Core tables: the
consumer reads and writes them a batch at a time (one statement per table), never row by row.

Empty strings stand for "unknown" in the key columns of the count tables (primary keys cannot
hold NULL); the repository turns them back into None.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from shared.database import Base
from shared.outbox import outbox_table
from shared.privacy.tables import ErasureTables
from shared.store import jobs_table

SCHEMA = "feedback"
METADATA = Base.metadata
Timestamp = DateTime(timezone=True)
Id = String(512)  # identifiers, person ids, message ids: as long as the sessionizer's
ACTIVE_SQL = "status IN ('open', 'acknowledged')"
OUTBOX = outbox_table(SCHEMA, METADATA)
JOBS = jobs_table(SCHEMA, METADATA)
ERASURE_TABLES = ErasureTables.of(SCHEMA, METADATA)

IDENTITIES = Table(
    "identities",
    METADATA,
    Column("identifier", Id, primary_key=True),
    Column("person_id", Id, nullable=False),
    # The link's version from identities.v1; 0 for what feedback inferred itself (a
    # provisional person, or an identifier seen on one event with a linked one).
    Column("version", BigInteger, nullable=False),
    Index("ix_identities_person_id", "person_id"),
    schema=SCHEMA,
)

PERSONS = Table(
    "persons",
    METADATA,
    Column("person_id", Id, primary_key=True),
    # {currency: amount as a string}: revenue to date over the person's conversions.
    Column("revenue", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("conversions", Integer, nullable=False, server_default=text("0")),
    # The first live touchpoint: the person's acquisition.
    Column("channel", String(40)),
    Column("source", String(512)),
    Column("campaign", String(512)),
    Column("first_touch_at", Timestamp),
    Column("updated_at", Timestamp, nullable=False),
    schema=SCHEMA,
)

TOUCHPOINTS = Table(
    "touchpoints",
    METADATA,
    Column("touchpoint_id", String(64), primary_key=True),
    Column("person_id", Id, nullable=False),
    Column("occurred_at", Timestamp, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("source", String(512)),
    Column("campaign", String(512)),
    Column("version", Integer, nullable=False),
    Column("retracted", Boolean, nullable=False),
    Index("ix_touchpoints_person_id_occurred_at", "person_id", "occurred_at"),
    schema=SCHEMA,
)

CONVERSIONS = Table(
    "conversions",
    METADATA,
    Column("conversion_id", String(64), primary_key=True),
    Column("person_id", Id, nullable=False),
    Column("occurred_at", Timestamp, nullable=False),
    Column("revenue", Numeric(18, 4), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_conversions_person_id", "person_id"),
    schema=SCHEMA,
)

RESPONSES = Table(
    "responses",
    METADATA,
    Column("message_id", Id, primary_key=True),
    Column("person_id", Id, nullable=False),
    Column("instrument", String(20), nullable=False),
    Column("score", SmallInteger),
    Column("band", String(20)),
    Column("text", Text),
    Column("declared_language", String(35)),
    # The text verdict: language read, label, score -1..1, confidence, themes, intents.
    Column("language", String(10)),
    Column("label", String(10)),
    Column("text_score", Float),
    Column("confidence", Float),
    Column("themes", ARRAY(Text), nullable=False),
    Column("intents", ARRAY(Text), nullable=False),
    Column("classifier_version", String(200)),
    Column("negative", Boolean, nullable=False),
    Column("cause", String(20)),
    Column("reasons", ARRAY(Text), nullable=False),
    Column("channel", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("survey_id", String(200)),
    Column("answers_case_id", String(200)),
    Column("occurred_at", Timestamp, nullable=False),
    Column("received_at", Timestamp, nullable=False),
    # The case this negative response opened or joined.
    Column("case_id", String(64)),
    # The acquisition segment the response is counted under in response_counts; moved when the
    # person's first touch changes or the response moves to another person.
    Column("counted_channel", String(40), nullable=False),
    Column("counted_campaign", String(512), nullable=False),
    Index("ix_responses_person_id_occurred_at", "person_id", "occurred_at"),
    schema=SCHEMA,
)

CASES = Table(
    "cases",
    METADATA,
    Column("case_id", String(64), primary_key=True),
    Column("person_id", Id, nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", SmallInteger, nullable=False),
    Column("sla_priority", SmallInteger, nullable=False),
    Column("base_priority", SmallInteger),
    Column("queue", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("opened_at", Timestamp, nullable=False),
    Column("clock_started_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("response_ids", ARRAY(Text), nullable=False),
    Column("themes", ARRAY(Text), nullable=False),
    Column("owner", Text),
    Column("acknowledged_at", Timestamp),
    Column("first_contact_at", Timestamp),
    Column("resolution_note", Text),
    Column("resolution_root_cause", Text),
    Column("resolution_recovered", Boolean),
    Column("resolved_at", Timestamp),
    Column("resolved_by", Text),
    Column("recovered", Boolean),
    Column("reopen_count", Integer, nullable=False),
    Column("first_contact_level", SmallInteger, nullable=False),
    Column("resolve_level", SmallInteger, nullable=False),
    Column("merged_into", String(64)),
    Column("previous_case_id", String(64)),
    Column("version", Integer, nullable=False),
    # Derived on every write (services/feedback/sla.py): when the SLA job must look at the case
    # next, the deadline of the clock that runs first (the queue's order), and whether the
    # clocks stopped in time (the KPIs).
    Column("next_due_at", Timestamp),
    Column("sla_deadline", Timestamp),
    Column("contacted_in_time", Boolean),
    Column("resolved_in_time", Boolean),
    Index("uq_cases_active_person", "person_id", unique=True, postgresql_where=text(ACTIVE_SQL)),
    Index("ix_cases_person_id", "person_id"),
    Index("ix_cases_next_due_at", "next_due_at", postgresql_where=text(ACTIVE_SQL)),
    Index("ix_cases_priority_sla_deadline", "priority", "sla_deadline", "case_id"),
    Index("ix_cases_opened_at", "opened_at"),
    schema=SCHEMA,
)

CASE_EVENTS = Table(
    "case_events",
    METADATA,
    Column("case_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("seq", SmallInteger, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("person_id", Id, nullable=False),
    Column("at", Timestamp, nullable=False),
    Column("by", Text),
    Column("detail", JSONB, nullable=False),
    PrimaryKeyConstraint("case_id", "version", "seq"),
    schema=SCHEMA,
)

RESPONSE_COUNTS = Table(
    "response_counts",
    METADATA,
    Column("day", Date, nullable=False),
    Column("instrument", String(20), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("campaign", String(512), nullable=False),
    Column("responses", BigInteger, nullable=False),
    Column("negative", BigInteger, nullable=False),
    Column("neutral", BigInteger, nullable=False),
    Column("positive", BigInteger, nullable=False),
    Column("score_sum", BigInteger, nullable=False),
    PrimaryKeyConstraint("day", "instrument", "channel", "campaign"),
    schema=SCHEMA,
)

THEME_COUNTS = Table(
    "theme_counts",
    METADATA,
    Column("theme", Text, nullable=False),
    Column("day", Date, nullable=False),
    Column("responses", BigInteger, nullable=False),
    Column("negative", BigInteger, nullable=False),
    Column("sentiment_sum", Float, nullable=False),
    PrimaryKeyConstraint("theme", "day"),
    schema=SCHEMA,
)

# What the KPIs count of the cases of erased persons (migration 0013): the case rows are gone,
# their counts stay, by UTC day of opening and the person's acquisition then ("" unknown).
ERASED_CASE_COUNTS = Table(
    "erased_case_counts",
    METADATA,
    Column("day", Date, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("campaign", String(512), nullable=False),
    Column("opened", BigInteger, nullable=False),
    Column("contacted", BigInteger, nullable=False),
    Column("contact_seconds", Float, nullable=False),
    Column("contacted_in_time", BigInteger, nullable=False),
    Column("resolved", BigInteger, nullable=False),
    Column("resolve_seconds", Float, nullable=False),
    Column("resolved_in_time", BigInteger, nullable=False),
    Column("recovered", BigInteger, nullable=False),
    Column("reopened", BigInteger, nullable=False),
    PrimaryKeyConstraint("day", "channel", "campaign"),
    schema=SCHEMA,
)

ALERTS = Table(
    "alerts",
    METADATA,
    Column("period", String(4), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("theme", Text, nullable=False),
    Column("measure", String(20), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("observed", Integer, nullable=False),
    Column("expected", Float, nullable=False),
    Column("p_value", Float, nullable=False),
    Column("z", Float),
    Column("raised_at", Timestamp, nullable=False),
    PrimaryKeyConstraint("period", "starts_on", "theme", "measure"),
    schema=SCHEMA,
)
