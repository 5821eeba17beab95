"""Everything one person contributes, computed from their journey alone. Pure.

From a person's live touchpoints and outcomes, and the current fits: the credit lines of each
credited outcome under every model, the person's contribution to each fitted model's counts
(converting paths and final non-converting ones), their reach (which groups touched them, and
which of those led to a conversion), and when a pending path of theirs becomes non-converting.
The stream stores each person's contribution and reach, so a change is applied to the shared
counts as the exact difference between the new and the stored ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.attribution.journeys import Outcome, TouchView, eligible, null_windows, stage_times
from services.attribution.lines import (
    CHANNEL_SET_SEPARATOR,
    CreditLine,
    FitView,
    journey_of_path,
    lines_for,
    utc_day,
)
from services.attribution.lineup import Lineup
from services.attribution.models import FittedModel, Tally

DIMENSIONS = ("channel", "source", "medium", "campaign", "touch_type")
TOUCHED, ANY_STAGE = "(touched)", "(any)"
Count = tuple[int, int]  # conversions, nulls
Contribution = dict[str, Count]  # serialised count key → count
ReachKey = tuple[str, str, date, str]  # dimension, value, first day touched, stage or TOUCHED


@dataclass(frozen=True, slots=True)
class PersonInput:
    person_id: str
    touches: Sequence[TouchView]  # live touchpoints of every type, oldest first
    outcomes: Sequence[Outcome]  # the outcomes that are this person's


@dataclass(frozen=True, slots=True)
class OutcomeState:
    outcome: Outcome
    lead_created: datetime | None
    opportunity_created: datetime | None
    deal_closed: datetime | None


@dataclass
class PersonPlan:
    person_id: str
    lines: list[CreditLine] = field(default_factory=list)
    outcomes: list[OutcomeState] = field(default_factory=list)
    contribution: dict[str, Contribution] = field(default_factory=dict)  # by fitted model key
    reach: set[ReachKey] = field(default_factory=set)
    null_due: datetime | None = None
    empty: bool = False


def dimension_values(touch: TouchView) -> tuple[str, ...]:
    """The touch's value in each of DIMENSIONS ("" for none)."""
    return (
        touch.channel,
        touch.source or "",
        touch.medium or "",
        touch.campaign or "",
        touch.touch_type,
    )


def plan_person(
    person: PersonInput, *, lineup: Lineup, fits: Mapping[str, FitView], now: datetime
) -> PersonPlan:
    stages = lineup.stages
    touches = [t for t in person.touches if t.touch_type not in stages.touch_types]
    marks = [
        (stages.touch_types[t.touch_type], t.at)
        for t in person.touches
        if t.touch_type in stages.touch_types
    ]
    plan = PersonPlan(person.person_id, empty=not person.touches and not person.outcomes)
    claimed: set[str] = set()
    paths: list[tuple[list[str], Tally]] = []
    converted: dict[tuple[str, str], set[str]] = {}
    for outcome in person.outcomes:
        lead, opportunity = stage_times(marks, at=outcome.at)
        closed = outcome.at if outcome.stage in stages.deal_stages else None
        plan.outcomes.append(OutcomeState(outcome, lead, opportunity, closed))
        if not outcome.credited:
            continue
        path = eligible(touches, at=outcome.at, lookback=lineup.lookback)
        journey = journey_of_path(
            path, outcome, lead=lead, opportunity=opportunity, deal_stages=stages.deal_stages
        )
        plan.lines.extend(lines_for(outcome, path, journey, lineup=lineup, fits=fits))
        claimed.update(touch.touchpoint_id for touch in path)
        paths.append(([touch.channel for touch in path], Tally(conversions=1.0)))
        for touch in path:
            for dimension, value in zip(DIMENSIONS, dimension_values(touch), strict=True):
                converted.setdefault((dimension, value), set()).add(outcome.stage)
    leftover = [touch for touch in touches if touch.touchpoint_id not in claimed]
    windows = null_windows(leftover, lookback=lineup.lookback, now=now)
    paths.extend(([t.channel for t in window], Tally(nulls=1.0)) for window in windows.final)
    plan.null_due = windows.due
    plan.contribution = {entry.key: contribution_of(entry.model, paths) for entry in lineup.fitted}
    plan.reach = reach_of(touches, converted)
    return plan


def contribution_of(model: FittedModel, paths: Sequence[tuple[list[str], Tally]]) -> Contribution:
    """What the paths add to the model's counts; whole numbers, so sums and differences of
    contributions stay exact."""
    total: dict[str, Count] = {}
    for channels, outcome in paths:
        # Markov's keys are (from, to) transitions, Shapley's sorted channel sets: both tuples.
        for key, tally in model.contribution(channels, outcome).items():
            item = CHANNEL_SET_SEPARATOR.join(key)
            conversions, nulls = total.get(item, (0, 0))
            total[item] = (conversions + round(tally.conversions), nulls + round(tally.nulls))
    return total


def reach_of(
    touches: Sequence[TouchView], converted: Mapping[tuple[str, str], set[str]]
) -> set[ReachKey]:
    """Each group that touched the person, on the day it first did, with the stages of the
    conversions whose paths it was on."""
    first: dict[tuple[str, str], date] = {}
    for touch in touches:  # oldest first: where a group first appears is its first day
        day = utc_day(touch.at)
        for pair in zip(DIMENSIONS, dimension_values(touch), strict=True):
            first.setdefault(pair, day)
    keys: set[ReachKey] = set()
    for (dimension, value), day in first.items():
        keys.add((dimension, value, day, TOUCHED))
        stages = converted.get((dimension, value))
        if stages:
            keys.add((dimension, value, day, ANY_STAGE))
            keys.update((dimension, value, day, stage) for stage in stages)
    return keys
