"""SQL of the stored responses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback.counting import Counted, Move
from services.feedback.repository.sql import any_of, copy_rows, move_persons
from services.feedback.tables import RESPONSES


async def known(session: AsyncSession, message_ids: Collection[str]) -> set[str]:
    """Which of these responses are stored already (a redelivery, a duplicate send)."""
    if not message_ids:
        return set()
    rows = await session.execute(
        select(RESPONSES.c.message_id).where(any_of(RESPONSES.c.message_id, message_ids))
    )
    return set(rows.scalars())


async def save(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> int:
    """New responses only (the handler left out those already stored, under the intake lock)."""
    return await copy_rows(session, RESPONSES, rows)


async def negatives_since(
    session: AsyncSession, person_ids: Collection[str], *, since: datetime
) -> dict[str, list[datetime]]:
    """When each person's stored negative responses were given, from ``since`` on."""
    if not person_ids:
        return {}
    table = RESPONSES
    rows = await session.execute(
        select(table.c.person_id, table.c.occurred_at).where(
            any_of(table.c.person_id, person_ids), table.c.negative, table.c.occurred_at >= since
        )
    )
    found: dict[str, list[datetime]] = defaultdict(list)
    for row in rows:
        found[row.person_id].append(row.occurred_at)
    return found


async def move(session: AsyncSession, moves: Mapping[str, str]) -> None:
    await move_persons(session, "responses", moves)


async def miscounted(session: AsyncSession, person_ids: Collection[str]) -> list[Move]:
    """The persons' responses counted under another segment than their person's acquisition
    now (a provisional person, or one without touchpoints, is the unknown segment)."""
    if not person_ids:
        return []
    rows = await session.execute(text(MISCOUNTED), {"ids": list(person_ids)})
    return [
        Move(
            message_id=row.message_id,
            counted=Counted(row.occurred_at.date(), row.instrument, row.band, row.score),
            old=(row.counted_channel, row.counted_campaign),
            new=(row.channel, row.campaign),
        )
        for row in rows
    ]


MISCOUNTED = """
SELECT * FROM (
    SELECT r.message_id, (r.occurred_at AT TIME ZONE 'UTC') AS occurred_at, r.instrument,
           r.band, r.score, r.counted_channel, r.counted_campaign,
           coalesce(p.channel, '') AS channel,
           CASE WHEN p.channel IS NULL THEN '' ELSE coalesce(p.campaign, '') END AS campaign
    FROM feedback.responses r LEFT JOIN feedback.persons p USING (person_id)
    WHERE r.person_id IN (SELECT unnest(CAST(:ids AS text[])))
) AS counted
WHERE (counted_channel, counted_campaign) <> (channel, campaign)
ORDER BY message_id
"""


async def recount(session: AsyncSession, moves: Sequence[Move]) -> None:
    """Records the segment each moved response is counted under now."""
    if not moves:
        return
    await session.execute(
        text(
            "UPDATE feedback.responses AS r SET counted_channel = m.channel, "
            "counted_campaign = m.campaign FROM unnest(CAST(:ids AS text[]), "
            "CAST(:channels AS text[]), CAST(:campaigns AS text[])) AS m(id, channel, campaign) "
            "WHERE r.message_id = m.id"
        ),
        {
            "ids": [m.message_id for m in moves],
            "channels": [m.new[0] for m in moves],
            "campaigns": [m.new[1] for m in moves],
        },
    )
