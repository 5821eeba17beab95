"""SQL of what the attribution derives: credits, outcomes, persons' contributions, aggregates."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import fields
from datetime import date

import msgspec
from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.attribution.diffs import Changes, Stored, StoredPerson
from services.attribution.journeys import Outcome
from services.attribution.lines import CreditLine
from services.attribution.person import Contribution, OutcomeState, PersonPlan, ReachKey
from services.attribution.repository import bulk, rollups
from services.attribution.repository.journeys import any_of
from services.attribution.repository.money import Money
from services.attribution.tables import (
    CREDIT_VERSIONS,
    CREDITS,
    FITTED_COUNTS,
    OUTCOMES,
    PERSONS,
    REACH,
    REACH_MONTHS,
)

LINE_FIELDS = tuple(field.name for field in fields(CreditLine))
OUTCOME_COLUMNS = tuple(column.name for column in OUTCOMES.columns)
SEPARATOR = "\x1f"
contribution_decoder = msgspec.json.Decoder(dict[str, dict[str, tuple[int, int]]])
reach_decoder = msgspec.json.Decoder(list[tuple[str, str, date, str]])


def encode_contribution(contribution: dict[str, Contribution]) -> bytes:
    return msgspec.json.encode(contribution)


def encode_reach(reach: Collection[ReachKey]) -> bytes:
    return msgspec.json.encode(sorted(reach))


async def load(
    session: AsyncSession, persons: Collection[str], outcomes: Collection[str]
) -> Stored:
    """What is stored for ``persons`` and their ``outcomes``: one query per table."""
    states, versions = await _outcomes(session, outcomes)
    return Stored(
        lines=await _lines(session, outcomes),
        persons=await _persons(session, persons),
        credit_versions=versions,
        outcomes=states,
    )


async def _lines(
    session: AsyncSession, outcomes: Collection[str]
) -> dict[tuple[str, str], list[CreditLine]]:
    lines: dict[tuple[str, str], list[CreditLine]] = {}
    if not outcomes:
        return lines
    query = select(*(CREDITS.c[name] for name in LINE_FIELDS)).where(
        any_of(CREDITS.c.outcome_id, outcomes)
    )
    for row in (await session.execute(query)).all():
        line = CreditLine(*row)
        lines.setdefault(line.group, []).append(line)
    return lines


async def _persons(session: AsyncSession, persons: Collection[str]) -> dict[str, StoredPerson]:
    p = PERSONS.c
    query = select(p.person_id, p.contribution, p.reach, p.null_due).where(
        any_of(p.person_id, persons)
    )
    return {
        row[0]: StoredPerson(
            contribution=contribution_decoder.decode(row[1]),
            reach=frozenset(reach_decoder.decode(row[2])),
            null_due=row[3],
        )
        for row in (await session.execute(query)).all()
    }


async def _outcomes(
    session: AsyncSession, outcomes: Collection[str]
) -> tuple[dict[str, OutcomeState], dict[str, int]]:
    states: dict[str, OutcomeState] = {}
    versions: dict[str, int] = {}
    if not outcomes:
        return states, versions
    query = select(OUTCOMES).where(any_of(OUTCOMES.c.outcome_id, outcomes))
    for row in (await session.execute(query)).mappings():
        states[row["outcome_id"]] = outcome_state(row)
        versions[row["outcome_id"]] = row["credit_version"]
    return states, versions


def outcome_state(row: RowMapping) -> OutcomeState:
    outcome = Outcome(
        outcome_id=row["outcome_id"],
        person_id=row["person_id"],
        at=row["converted_at"],
        stage=row["stage"],
        revenue=row["revenue"],
        currency=row["currency"],
        deal_id=row["deal_id"],
        credited=row["credited"],
        conversion_ids=tuple(row["conversion_ids"].split(SEPARATOR)),
    )
    return OutcomeState(
        outcome, row["lead_created"], row["opportunity_created"], row["deal_closed"]
    )


async def write(session: AsyncSession, changes: Changes, *, money: Money) -> None:
    """Every change, one statement per table (two where zeros are cleared)."""
    await bulk.delete(session, CREDITS, ("outcome_id", "model"), changes.replaced)
    await bulk.insert(
        session,
        CREDITS,
        LINE_FIELDS,
        [[getattr(line, f) for f in LINE_FIELDS] for line in changes.inserted],
    )
    if changes.totals:
        await rollups.lock_shared(session)
        await rollups.add_totals(session, changes.totals, money=money)
    await bulk.add(
        session,
        CREDIT_VERSIONS,
        ("model", "model_key", "fit_id", "channel_set", "conversions"),
        [(*key, count) for key, count in changes.versions.items()],
        keys=("model", "model_key", "fit_id", "channel_set"),
    )
    await bulk.add(
        session,
        FITTED_COUNTS,
        ("model_key", "item", "conversions", "nulls"),
        [(*key, *count) for key, count in changes.counts.items()],
        keys=("model_key", "item"),
    )
    reach = [(*key, count) for key, count in changes.reach.items() if count]
    columns = ("dimension", "value", "day", "stage", "persons")
    await bulk.add(session, REACH, columns, reach, keys=columns[:4])
    months: dict[tuple[str, str, date, str], int] = {}
    for dimension, value, day, stage, count in reach:
        key = (dimension, value, day.replace(day=1), stage)
        months[key] = months.get(key, 0) + count
    monthly = [(d, v, m, s, n) for (d, v, m, s), n in months.items() if n]
    columns = ("dimension", "value", "month", "stage", "persons")
    await bulk.add(session, REACH_MONTHS, columns, monthly, keys=columns[:4])
    await _write_outcomes(session, changes.outcomes)
    await _write_persons(session, changes.persons, changes.gone)


async def _write_outcomes(
    session: AsyncSession, outcomes: Sequence[tuple[OutcomeState, int]]
) -> None:
    rows = []
    for state, version in outcomes:
        o = state.outcome
        rows.append(
            (
                o.outcome_id,
                o.person_id,
                o.at,
                o.stage,
                o.revenue,
                o.currency,
                o.deal_id,
                o.credited,
                SEPARATOR.join(o.conversion_ids),
                state.lead_created,
                state.opportunity_created,
                state.deal_closed,
                version,
            )
        )
    await bulk.upsert(session, OUTCOMES, OUTCOME_COLUMNS, rows, keys=("outcome_id",))


async def _write_persons(
    session: AsyncSession, persons: Sequence[PersonPlan], gone: Sequence[str]
) -> None:
    rows = [
        (p.person_id, encode_contribution(p.contribution), encode_reach(p.reach), p.null_due)
        for p in persons
    ]
    columns = ("person_id", "contribution", "reach", "null_due")
    await bulk.upsert(session, PERSONS, columns, rows, keys=("person_id",))
    await bulk.delete(session, PERSONS, ("person_id",), [(person,) for person in gone])
