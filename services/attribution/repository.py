"""All SQL of the attribution service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.models import TouchpointView
from services.attribution.tables import ConversionRow, CreditRow, TouchpointRow
from shared.events import Conversion, Credit, Touchpoint

GroupBy = Literal["channel", "campaign", "source"]


async def save_touchpoint(session: AsyncSession, touchpoint: Touchpoint) -> None:
    """Insert, or replace with a newer version; an older or equal version changes nothing."""
    values = touchpoint.model_dump(
        include={
            "touchpoint_id",
            "person_id",
            "occurred_at",
            "channel",
            "source",
            "campaign",
            "version",
        }
    )
    statement = insert(TouchpointRow).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[TouchpointRow.touchpoint_id],
            set_={name: statement.excluded[name] for name in values if name != "touchpoint_id"},
            where=TouchpointRow.version < statement.excluded.version,
        )
    )


async def claim_conversion(session: AsyncSession, conversion: Conversion) -> bool:
    """Stores the conversion; False when it was already there (then it is already credited)."""
    values = conversion.model_dump(
        include={"conversion_id", "person_id", "occurred_at", "revenue", "currency"}
    )
    result = await session.execute(
        insert(ConversionRow)
        .values(values)
        .on_conflict_do_nothing()
        .returning(ConversionRow.conversion_id)
    )
    return result.scalar_one_or_none() is not None


async def touchpoints_before(
    session: AsyncSession, person_id: str, *, until: datetime, since: datetime
) -> list[TouchpointView]:
    result = await session.execute(
        select(TouchpointRow).where(
            TouchpointRow.person_id == person_id,
            TouchpointRow.occurred_at >= since,
            TouchpointRow.occurred_at <= until,
        )
    )
    return [
        TouchpointView(
            touchpoint_id=row.touchpoint_id,
            occurred_at=row.occurred_at,
            channel=row.channel,
            source=row.source,
            campaign=row.campaign,
        )
        for row in result.scalars()
    ]


async def save_credits(session: AsyncSession, rows: Sequence[tuple[str, Credit]]) -> None:
    if not rows:
        return
    values = [{"credit_id": credit_id, **credit.model_dump()} for credit_id, credit in rows]
    await session.execute(insert(CreditRow).values(values).on_conflict_do_nothing())


async def totals(
    session: AsyncSession, *, model: str, group_by: GroupBy
) -> list[tuple[str | None, str, Decimal, Decimal]]:
    """(group, currency, credited conversions, credited revenue) for one model."""
    column = getattr(CreditRow, group_by)
    result = await session.execute(
        select(column, CreditRow.currency, func.sum(CreditRow.weight), func.sum(CreditRow.revenue))
        .where(CreditRow.model == model)
        .group_by(column, CreditRow.currency)
        .order_by(func.sum(CreditRow.revenue).desc(), column)
    )
    return [(row[0], row[1], row[2], row[3]) for row in result.all()]
