"""SQL of one conversion's drill-down: the outcome, its credits, its person's touchpoints."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.journeys import ConversionView, outcome_id_of
from services.attribution.lines import CreditLine
from services.attribution.person import OutcomeState
from services.attribution.repository.state import LINE_FIELDS, outcome_state
from services.attribution.tables import CONVERSIONS, CREDITS, OUTCOMES


async def outcome(
    session: AsyncSession, conversion_id: str, *, deal_stages: frozenset[str]
) -> tuple[OutcomeState, int] | None:
    """The outcome by its id, or by the id of a conversion it stands for."""
    found = await _outcome(session, conversion_id)
    if found is not None:
        return found
    c = CONVERSIONS.c
    row = (
        await session.execute(
            select(c.conversion_id, c.person_id, c.occurred_at, c.stage, c.revenue, c.currency)
            .add_columns(c.deal_id)
            .where(c.conversion_id == conversion_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return await _outcome(session, outcome_id_of(ConversionView(*row), deal_stages=deal_stages))


async def _outcome(session: AsyncSession, outcome_id: str) -> tuple[OutcomeState, int] | None:
    row = (
        (await session.execute(select(OUTCOMES).where(OUTCOMES.c.outcome_id == outcome_id)))
        .mappings()
        .one_or_none()
    )
    return None if row is None else (outcome_state(row), int(row["credit_version"]))


async def lines_of(session: AsyncSession, outcome_id: str) -> list[CreditLine]:
    query = (
        select(*(CREDITS.c[name] for name in LINE_FIELDS))
        .where(CREDITS.c.outcome_id == outcome_id)
        .order_by(CREDITS.c.model, CREDITS.c.touchpoint_id)
    )
    return [CreditLine(*row) for row in (await session.execute(query)).all()]
