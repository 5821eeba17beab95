"""SLA clocks of a case and what is due on them at a given time. Pure: the clock is a parameter.

Two clocks run from ``clock_started_at`` (opening or last reopening): first contact, stopped by
the acknowledgement, and resolve, stopped by the resolution. Each has levels: 1 is the warning
(at ``warning_ratio`` of the duration), 2, 3… are the steps of the priority's escalation ladder
(at the deadline plus each step's ``after``). ``due`` compares the level a clock has reached at
``now`` with the level the case has recorded, and returns only the highest one: after downtime a
case overdue by several steps gets the right level once, not every step it missed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from services.feedback.case import Case
from services.feedback.policy import PrioritySla, SlaPolicy

Clock = Literal["first_contact", "resolve"]
CLOCKS: tuple[Clock, ...] = ("first_contact", "resolve")
WARNING = 1


@dataclass(frozen=True, slots=True)
class Level:
    level: int
    at: datetime
    kind: Literal["warning", "escalation"]
    notify: str | None


@dataclass(frozen=True, slots=True)
class SlaDue:
    case_id: str
    # The version the due was computed from; applying it to a newer case recomputes.
    version: int
    clock: Clock
    level: int
    kind: Literal["warning", "escalation"]
    notify: str | None
    deadline: datetime
    # When this level fell due (before ``now`` when catching up).
    due_at: datetime


def duration(sla: PrioritySla, clock: Clock) -> timedelta:
    return sla.first_contact if clock == "first_contact" else sla.resolve


def deadline(case: Case, clock: Clock, *, policy: SlaPolicy) -> datetime:
    return case.clock_started_at + duration(policy.priorities[case.sla_priority], clock)


def running(case: Case) -> tuple[Clock, ...]:
    if not case.active:
        return ()
    return CLOCKS if case.acknowledged_at is None else ("resolve",)


def recorded_level(case: Case, clock: Clock) -> int:
    return case.first_contact_level if clock == "first_contact" else case.resolve_level


def levels(case: Case, clock: Clock, *, policy: SlaPolicy) -> list[Level]:
    """Every level of a clock in time order."""
    sla = policy.priorities[case.sla_priority]
    length, end = duration(sla, clock), deadline(case, clock, policy=policy)
    found = []
    if policy.warning_ratio is not None:
        warn_at = case.clock_started_at + length * policy.warning_ratio
        found.append(Level(WARNING, warn_at, "warning", None))
    for step_index, step in enumerate(sla.ladder):
        found.append(Level(WARNING + 1 + step_index, end + step.after, "escalation", step.notify))
    return found


def reached(case: Case, clock: Clock, now: datetime, *, policy: SlaPolicy) -> Level | None:
    """The highest level whose time has come."""
    passed = [level for level in levels(case, clock, policy=policy) if level.at <= now]
    return passed[-1] if passed else None


def due(cases: Iterable[Case], now: datetime, *, policy: SlaPolicy) -> list[SlaDue]:
    """Every warning or escalation due at ``now``, at most one per case and clock."""
    found = []
    for case in cases:
        for clock in running(case):
            top = reached(case, clock, now, policy=policy)
            if top is not None and top.level > recorded_level(case, clock):
                found.append(
                    SlaDue(
                        case_id=case.case_id,
                        version=case.version,
                        clock=clock,
                        level=top.level,
                        kind=top.kind,
                        notify=top.notify,
                        deadline=deadline(case, clock, policy=policy),
                        due_at=top.at,
                    )
                )
    return found


def next_due_at(case: Case, *, policy: SlaPolicy) -> datetime | None:
    """When the next level of any running clock falls due; stored beside the case, it lets
    the scheduled job load only the cases with something due (``WHERE next_due_at <= now``)."""
    upcoming = [
        level.at
        for clock in running(case)
        for level in levels(case, clock, policy=policy)
        if level.level > recorded_level(case, clock)
    ]
    return min(upcoming, default=None)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Whether each clock stopped in time; None while it runs (or never ran)."""

    first_contact: bool | None
    resolve: bool | None


def outcome(case: Case, *, policy: SlaPolicy) -> Outcome:
    contact = case.acknowledged_at
    resolved = case.resolution.at if case.resolution else None
    return Outcome(
        first_contact=None
        if contact is None
        else contact <= deadline(case, "first_contact", policy=policy),
        resolve=None if resolved is None else resolved <= deadline(case, "resolve", policy=policy),
    )
