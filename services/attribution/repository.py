"""All SQL of the attribution service."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.models import TouchpointView
from services.attribution.tables import ConversionRow, CreditRow, TouchpointRow
from shared.events import Conversion, Credit, Touchpoint

GroupBy = Literal["channel", "campaign", "source"]
VersionedRow = TypeVar("VersionedRow", TouchpointRow, ConversionRow)
TOUCHPOINT_FIELDS = (
    "person_id",
    "occurred_at",
    "channel",
    "source",
    "campaign",
    "version",
    "retracted",
)
CONVERSION_FIELDS = ("person_id", "occurred_at", "revenue", "currency", "name", "stage", "version")


class Stale:
    """The record was older than what is stored: nothing changed."""


STALE = Stale()


async def save_touchpoint(session: AsyncSession, touchpoint: Touchpoint) -> str | Stale | None:
    """Stores a newer version; returns the person it belonged to before (None when new), or
    STALE when an equal or newer version is already stored."""
    values = touchpoint.model_dump(include={"touchpoint_id", *TOUCHPOINT_FIELDS})
    return await _save_newer(session, TouchpointRow, "touchpoint_id", values, TOUCHPOINT_FIELDS)


async def save_conversion(session: AsyncSession, conversion: Conversion) -> str | Stale | None:
    """Like save_touchpoint, for conversions (which change only when their person merges)."""
    values = conversion.model_dump(include={"conversion_id", *CONVERSION_FIELDS})
    return await _save_newer(session, ConversionRow, "conversion_id", values, CONVERSION_FIELDS)


async def _save_newer(
    session: AsyncSession,
    row_type: type[VersionedRow],
    key: str,
    values: dict[str, Any],
    fields: Sequence[str],
) -> str | Stale | None:
    current = await session.get(row_type, values[key], with_for_update=True)
    if current is not None and current.version >= values["version"]:
        return STALE
    statement = insert(row_type).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[key], set_={name: statement.excluded[name] for name in fields}
        )
    )
    return current.person_id if current is not None else None


async def touchpoints_of(session: AsyncSession, person_id: str) -> list[TouchpointView]:
    result = await session.execute(
        select(TouchpointRow).where(
            TouchpointRow.person_id == person_id, TouchpointRow.retracted.is_(False)
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


async def conversions_of(session: AsyncSession, person_id: str) -> list[Conversion]:
    result = await session.execute(
        select(ConversionRow)
        .where(ConversionRow.person_id == person_id)
        .order_by(ConversionRow.occurred_at)
    )
    return [
        Conversion(
            conversion_id=row.conversion_id,
            **{name: getattr(row, name) for name in CONVERSION_FIELDS},
        )
        for row in result.scalars()
    ]


async def credits_of(session: AsyncSession, conversion_id: str) -> dict[str, Credit]:
    result = await session.execute(
        select(CreditRow).where(CreditRow.conversion_id == conversion_id)
    )
    return {
        row.credit_id: Credit.model_validate(row, from_attributes=True) for row in result.scalars()
    }


async def replace_credits(
    session: AsyncSession, conversion_id: str, rows: Sequence[tuple[str, Credit]]
) -> None:
    await session.execute(delete(CreditRow).where(CreditRow.conversion_id == conversion_id))
    if rows:
        values = [
            {"credit_id": credit_id, **credit.model_dump(exclude={"retracted"})}
            for credit_id, credit in rows
        ]
        await session.execute(insert(CreditRow).values(values))


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
