"""Reading the attribution's stored state back, for tests that compare two ways of reaching it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.attribution.journeys import outcomes_of
from services.attribution.lineup import Lineup
from services.attribution.person import PersonInput, plan_person
from services.attribution.repository import fits, journeys
from services.attribution.repository.state import contribution_decoder, reach_decoder

# Everything derived, as a canonical snapshot: the credits' emitted versions differ by history.
DERIVED = {
    "credits": "SELECT * FROM attribution.credits",
    "credit_totals": "SELECT * FROM attribution.credit_totals",
    "credit_months": "SELECT * FROM attribution.credit_months",
    "reach_months": "SELECT * FROM attribution.reach_months",
    "credit_versions": "SELECT * FROM attribution.credit_versions",
    "fitted_counts": "SELECT * FROM attribution.fitted_counts",
    "reach": "SELECT * FROM attribution.reach",
    "outcomes": "SELECT outcome_id, person_id, converted_at, stage, revenue, currency, deal_id, "
    "credited, conversion_ids, lead_created, opportunity_created, deal_closed "
    "FROM attribution.outcomes",
    "persons": "SELECT person_id, contribution, reach, null_due FROM attribution.persons",
}


async def derived(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[Any]]:
    async with sessions() as session:
        out: dict[str, list[Any]] = {}
        for name, sql in DERIVED.items():
            rows = [tuple(row) for row in (await session.execute(text(sql))).all()]
            if name == "persons":  # the blobs' key order is insertion order: compare decoded
                rows = [
                    (p, contribution_decoder.decode(c), sorted(reach_decoder.decode(r)), due)
                    for p, c, r, due in rows
                ]
            out[name] = sorted(rows, key=repr)
        return out


async def counts(
    sessions: async_sessionmaker[AsyncSession],
) -> dict[tuple[str, str], tuple[int, int]]:
    async with sessions() as session:
        rows = await session.execute(
            text("SELECT model_key, item, conversions, nulls FROM attribution.fitted_counts")
        )
        return {(r[0], r[1]): (r[2], r[3]) for r in rows.all()}


async def rebuilt_counts(
    sessions: async_sessionmaker[AsyncSession], lineup: Lineup, *, now: Any
) -> dict[tuple[str, str], tuple[int, int]]:
    """The fitted counts computed again from every stored journey at once."""
    async with sessions() as session:
        persons = set(
            (await session.execute(text("SELECT person_id FROM attribution.touchpoints"))).scalars()
        )
        persons |= set(
            (await session.execute(text("SELECT person_id FROM attribution.conversions"))).scalars()
        )
        touches = await journeys.touches_of(session, persons)
        conversions = await journeys.conversions_of(session, persons)
        losses = await journeys.losses_of(session, {c.deal_id for c in conversions if c.deal_id})
        current = await fits.current_fits(session, [e.key for e in lineup.fitted])
    outcomes = outcomes_of(conversions, losses=losses, deal_stages=lineup.stages.deal_stages)
    total: dict[tuple[str, str], tuple[int, int]] = {}
    by_name = {e.name: current[e.key] for e in lineup.fitted if e.key in current}
    for person in persons:
        mine = sorted(
            (o for o in outcomes if o.person_id == person), key=lambda o: (o.at, o.outcome_id)
        )
        plan = plan_person(
            PersonInput(person, touches.get(person, []), mine), lineup=lineup, fits=by_name, now=now
        )
        for model_key, contribution in plan.contribution.items():
            for item, (c, n) in contribution.items():
                was = total.get((model_key, item), (0, 0))
                total[(model_key, item)] = (was[0] + c, was[1] + n)
    return {key: value for key, value in total.items() if value != (0, 0)}
