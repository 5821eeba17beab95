"""SQL of the journeys the attribution keeps: touchpoints, conversions, deal losses, locks.

One statement per table per batch: rows in by arrays, rows out by ``= ANY`` of arrays.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import bindparam

from services.attribution.journeys import ConversionView, TouchView
from services.attribution.repository import bulk
from services.attribution.tables import CAMPAIGN_CHANNELS, CONVERSIONS, DEAL_LOSSES, TOUCHPOINTS
from shared.events import Conversion, Touchpoint

TOUCHPOINT_COLUMNS = (
    "touchpoint_id",
    "person_id",
    "occurred_at",
    "channel",
    "source",
    "medium",
    "campaign",
    "touch_type",
    "version",
    "retracted",
)
CONVERSION_COLUMNS = (
    "conversion_id",
    "person_id",
    "occurred_at",
    "name",
    "stage",
    "revenue",
    "currency",
    "deal_id",
    "version",
)
# Persons' advisory locks live in their own space (the two-key form): no other lock collides.
PERSON_LOCK_SPACE = 4_184_001


def any_of(column: ColumnElement[Any], values: Iterable[str]) -> ColumnElement[bool]:
    """``column IN (SELECT unnest($1))``: one array parameter whatever the number of keys, which
    the planner joins on the index; ``= ANY($1)`` in a prepared statement compares every row
    with every key (the feedback service measured 19 ms against 2 ms)."""
    array = bindparam(None, sorted(set(values)), type_=ARRAY(Text))
    return column.in_(select(func.unnest(array)))


async def lock_persons(session: AsyncSession, persons: Collection[str]) -> None:
    """Serialises work on the same persons across instances, in one global order."""
    if not persons:
        return
    await session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(:space, h)) FROM ("
            "SELECT hashtext(p) AS h FROM unnest(CAST(:persons AS text[])) AS p ORDER BY 1) AS s"
        ),
        {"space": PERSON_LOCK_SPACE, "persons": sorted(set(persons))},
    )


# What attribution reads of a record: a newer version that changes none of it (a web session
# that grew, which the sessionizer sends again) is stored but recomputes nobody.
READ = {
    "touchpoints": (
        "person_id",
        "occurred_at",
        "channel",
        "source",
        "medium",
        "campaign",
        "touch_type",
        "retracted",
    ),
    "conversions": ("person_id", "occurred_at", "stage", "revenue", "currency"),
}


async def stored_versions(
    session: AsyncSession, table: Table, ids: Collection[str]
) -> dict[str, tuple[int, tuple[object, ...]]]:
    """id → (version, what attribution reads of it) of the stored rows among ``ids``; the
    person comes first."""
    if not ids:
        return {}
    key = table.c[f"{table.name[:-1]}_id"]
    read = [table.c[name] for name in READ[table.name]]
    query = select(key, table.c.version, *read).where(any_of(key, ids))
    return {row[0]: (row[1], tuple(row[2:])) for row in (await session.execute(query)).all()}


async def save_touchpoints(session: AsyncSession, touchpoints: Sequence[Touchpoint]) -> None:
    rows = [
        (
            t.touchpoint_id,
            t.person_id,
            t.occurred_at,
            t.channel,
            t.source,
            t.medium,
            t.campaign,
            t.touch_type,
            t.version,
            t.retracted,
        )
        for t in touchpoints
    ]
    await bulk.upsert(
        session,
        TOUCHPOINTS,
        TOUCHPOINT_COLUMNS,
        rows,
        keys=("touchpoint_id",),
        where="WHERE touchpoints.version < excluded.version",
    )


async def save_conversions(session: AsyncSession, conversions: Sequence[Conversion]) -> None:
    rows = [
        (
            c.conversion_id,
            c.person_id,
            c.occurred_at,
            c.name,
            c.stage,
            c.revenue,
            c.currency,
            c.deal_id,
            c.version,
        )
        for c in conversions
    ]
    updated = [c for c in CONVERSION_COLUMNS if c not in ("conversion_id", "deal_id")]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in updated)
    await bulk.insert(
        session,
        CONVERSIONS,
        CONVERSION_COLUMNS,
        sorted(rows),
        # A conversion's deal never changes; a re-keyed copy that lost it keeps the stored one.
        on_conflict=f"ON CONFLICT (conversion_id) DO UPDATE SET {assignments}, "
        "deal_id = coalesce(conversions.deal_id, excluded.deal_id) "
        "WHERE conversions.version < excluded.version",
    )


async def save_campaign_channels(session: AsyncSession, touchpoints: Sequence[Touchpoint]) -> None:
    """The channel each campaign's touchpoints carry, for spend imported without one."""
    latest: dict[tuple[str, str, str], str] = {}
    for t in sorted(touchpoints, key=lambda t: t.occurred_at):
        if t.campaign or t.source:
            latest[(t.source or "", t.medium or "", t.campaign or "")] = t.channel
    rows = [(*key, channel) for key, channel in latest.items()]
    columns = ("source", "medium", "campaign", "channel")
    keys = ("source", "medium", "campaign")
    await bulk.upsert(
        session,
        CAMPAIGN_CHANNELS,
        columns,
        rows,
        keys=keys,
        where="WHERE campaign_channels.channel <> excluded.channel",
    )


async def sharing_deals(session: AsyncSession, persons: Collection[str]) -> set[str]:
    """The persons whose conversions share a deal with a conversion of ``persons``."""
    if not persons:
        return set()
    mine, theirs = CONVERSIONS.alias("mine"), CONVERSIONS.alias("theirs")
    query = (
        select(theirs.c.person_id)
        .distinct()
        .join(mine, mine.c.deal_id == theirs.c.deal_id)
        .where(any_of(mine.c.person_id, persons))
    )
    return set((await session.execute(query)).scalars())


async def persons_of_deals(session: AsyncSession, deals: Collection[str]) -> set[str]:
    if not deals:
        return set()
    query = select(CONVERSIONS.c.person_id).where(any_of(CONVERSIONS.c.deal_id, deals))
    return set((await session.execute(query)).scalars())


async def touches_of(session: AsyncSession, persons: Collection[str]) -> dict[str, list[TouchView]]:
    """Each person's live touchpoints, oldest first."""
    t = TOUCHPOINTS.c
    query = (
        select(t.touchpoint_id, t.person_id, t.occurred_at, t.channel, t.source, t.medium)
        .add_columns(t.campaign, t.touch_type)
        .where(any_of(t.person_id, persons), t.retracted.is_(False))
        .order_by(t.occurred_at, t.touchpoint_id)
    )
    touches: dict[str, list[TouchView]] = {}
    for row in (await session.execute(query)).all():
        touches.setdefault(row[1], []).append(TouchView(*row))
    return touches


async def conversions_of(session: AsyncSession, persons: Collection[str]) -> list[ConversionView]:
    c = CONVERSIONS.c
    query = select(
        c.conversion_id, c.person_id, c.occurred_at, c.stage, c.revenue, c.currency, c.deal_id
    ).where(any_of(c.person_id, persons))
    return [ConversionView(*row) for row in (await session.execute(query)).all()]


async def losses_of(session: AsyncSession, deals: Collection[str]) -> dict[str, datetime]:
    if not deals:
        return {}
    d = DEAL_LOSSES.c
    query = select(d.deal_id, d.lost_at).where(any_of(d.deal_id, deals))
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def record_losses(session: AsyncSession, losses: Sequence[tuple[str, datetime]]) -> set[str]:
    """Keeps each deal's latest loss; returns the deals whose latest loss moved."""
    latest: dict[str, datetime] = {}
    for deal, at in losses:
        latest[deal] = max(at, latest.get(deal, at))
    if not latest:
        return set()
    result = await session.execute(
        text(
            "INSERT INTO attribution.deal_losses (deal_id, lost_at) "
            "SELECT * FROM unnest(CAST(:deals AS text[]), CAST(:ats AS timestamptz[])) "
            "ON CONFLICT (deal_id) DO UPDATE SET lost_at = excluded.lost_at "
            "WHERE deal_losses.lost_at < excluded.lost_at RETURNING deal_id"
        ),
        {"deals": sorted(latest), "ats": [latest[d] for d in sorted(latest)]},
    )
    return set(result.scalars())
