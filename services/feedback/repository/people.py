"""SQL of identities, persons and the copies of the journeys that make persons."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.people import Acquisition, Known, Person
from services.feedback.repository.sql import any_of, move_persons
from services.feedback.tables import CONVERSIONS, IDENTITIES, PERSONS, TOUCHPOINTS
from shared.events import Conversion, Touchpoint

INTAKE_LOCK = "feedback:intake"


async def lock_intake(session: AsyncSession) -> None:
    """Serialises the consumer's writes of identities, persons, responses and cases across
    instances until the transaction ends (several instances share a person's records: a
    person's events carry different keys). Case rows are also locked one by one (FOR UPDATE),
    so the API and the SLA job, which never take this lock, cannot interleave with a batch."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(INTAKE_LOCK))))


async def identities(session: AsyncSession, identifiers: Collection[str]) -> dict[str, Known]:
    if not identifiers:
        return {}
    table = IDENTITIES
    rows = await session.execute(
        select(table.c.identifier, table.c.person_id, table.c.version).where(
            any_of(table.c.identifier, identifiers)
        )
    )
    return {row.identifier: Known(row.identifier, row.person_id, row.version) for row in rows}


async def save_identities(session: AsyncSession, rows: Sequence[Known]) -> int:
    """Links and inferred mappings; a stored mapping of a higher version is kept."""
    if not rows:
        return 0
    statement = insert(IDENTITIES)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[IDENTITIES.c.identifier],
            set_={"person_id": statement.excluded.person_id, "version": statement.excluded.version},
            where=IDENTITIES.c.version < statement.excluded.version,
        ),
        [
            {"identifier": r.identifier, "person_id": r.person_id, "version": r.version}
            for r in rows
        ],
    )
    return len(rows)


async def forget_identities(session: AsyncSession, identifiers: Sequence[str]) -> int:
    if not identifiers:
        return 0
    result = await session.execute(
        delete(IDENTITIES).where(any_of(IDENTITIES.c.identifier, identifiers))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def remap_identities(session: AsyncSession, moves: Mapping[str, str]) -> None:
    """Every identifier of an absorbed person now maps to its survivor (the sessionizer re-sends
    the links with the survivor; until then, nothing may resolve to a person that is gone)."""
    await move_persons(session, "identities", moves)


async def persons(session: AsyncSession, person_ids: Collection[str]) -> dict[str, Person]:
    if not person_ids:
        return {}
    rows = await session.execute(select(PERSONS).where(any_of(PERSONS.c.person_id, person_ids)))
    return {row.person_id: person_of(row._mapping) for row in rows}


def person_of(row: Mapping[Any, Any]) -> Person:
    acquisition = None
    if row["first_touch_at"] is not None:
        acquisition = Acquisition(
            channel=row["channel"],
            source=row["source"],
            campaign=row["campaign"],
            at=row["first_touch_at"],
        )
    return Person(
        person_id=row["person_id"],
        revenue={code: Decimal(amount) for code, amount in row["revenue"].items()},
        conversions=row["conversions"],
        acquisition=acquisition,
    )


async def stored_versions(
    session: AsyncSession, kind: type[Touchpoint | Conversion], ids: Collection[str]
) -> dict[str, tuple[int, str]]:
    """id → (stored version, person) of the touchpoints or conversions named."""
    table, key = _journey_table(kind)
    if not ids:
        return {}
    rows = await session.execute(
        select(table.c[key], table.c.version, table.c.person_id).where(any_of(table.c[key], ids))
    )
    return {row[0]: (row.version, row.person_id) for row in rows}


def _journey_table(kind: type[Touchpoint | Conversion]) -> tuple[Any, str]:
    if kind is Touchpoint:
        return TOUCHPOINTS, "touchpoint_id"
    return CONVERSIONS, "conversion_id"


async def save_touchpoints(session: AsyncSession, rows: Sequence[Touchpoint]) -> int:
    fields = ("person_id", "occurred_at", "channel", "source", "campaign", "version", "retracted")
    return await _save_newer(session, TOUCHPOINTS, "touchpoint_id", fields, rows)


async def save_conversions(session: AsyncSession, rows: Sequence[Conversion]) -> int:
    fields = ("person_id", "occurred_at", "revenue", "currency", "version")
    return await _save_newer(session, CONVERSIONS, "conversion_id", fields, rows)


async def _save_newer(
    session: AsyncSession,
    table: Any,
    key: str,
    fields: Sequence[str],
    rows: Sequence[Touchpoint | Conversion],
) -> int:
    if not rows:
        return 0
    statement = insert(table)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c[key]],
            set_={name: statement.excluded[name] for name in fields},
            where=table.c.version < statement.excluded.version,
        ),
        [row.model_dump(include={key, *fields}) for row in rows],
    )
    return len(rows)


async def refresh_persons(
    session: AsyncSession, person_ids: Collection[str], *, at: datetime
) -> int:
    """Recomputes each person's revenue per currency and first live touchpoint from the stored
    journeys, in one statement; a person left with neither is deleted."""
    if not person_ids:
        return 0
    ids = {"ids": list(person_ids), "at": at}
    await session.execute(text(REFRESH_PERSONS), ids)
    await session.execute(
        text(
            "DELETE FROM feedback.persons p "
            "WHERE p.person_id IN (SELECT unnest(CAST(:ids AS text[]))) "
            "AND p.first_touch_at IS NULL AND p.conversions = 0"
        ),
        {"ids": ids["ids"]},
    )
    return len(person_ids)


REFRESH_PERSONS = """
WITH wanted AS (SELECT unnest(CAST(:ids AS text[])) AS person_id),
revenue AS (
    SELECT person_id, jsonb_object_agg(currency, total::text) AS revenue, sum(n) AS n
    FROM (SELECT c.person_id, c.currency, sum(c.revenue) AS total, count(*) AS n
          FROM feedback.conversions c JOIN wanted USING (person_id)
          GROUP BY c.person_id, c.currency) per_currency
    GROUP BY person_id
),
first_touch AS (
    SELECT DISTINCT ON (t.person_id) t.person_id, t.channel, t.source, t.campaign, t.occurred_at
    FROM feedback.touchpoints t JOIN wanted USING (person_id)
    WHERE NOT t.retracted
    ORDER BY t.person_id, t.occurred_at, t.touchpoint_id
)
INSERT INTO feedback.persons AS p
    (person_id, revenue, conversions, channel, source, campaign, first_touch_at, updated_at)
SELECT w.person_id, coalesce(r.revenue, '{}'::jsonb), coalesce(r.n, 0),
       f.channel, f.source, f.campaign, f.occurred_at, CAST(:at AS timestamptz)
FROM wanted w LEFT JOIN revenue r USING (person_id) LEFT JOIN first_touch f USING (person_id)
ON CONFLICT (person_id) DO UPDATE SET
    revenue = excluded.revenue, conversions = excluded.conversions, channel = excluded.channel,
    source = excluded.source, campaign = excluded.campaign,
    first_touch_at = excluded.first_touch_at, updated_at = excluded.updated_at
"""


async def person_of_identifier(session: AsyncSession, identifier: str) -> str | None:
    row = await session.execute(
        select(IDENTITIES.c.person_id).where(IDENTITIES.c.identifier == identifier)
    )
    found: str | None = row.scalar_one_or_none()
    return found
