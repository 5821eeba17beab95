"""The follow-up case aggregate: its state, the events its commands emit, its errors. Plain data.

A command (``lifecycle``, ``intake``) takes a case and returns a ``Change``: the new state, one
version higher, and the domain events that say what happened. The consumer stores the state,
appends the events to the case history (keyed by case, version and position) and publishes
them; an API write carries the version it read, and a stale one is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from shared.errors import BoucleError

# open → acknowledged (first contact) → resolved; reopened goes back to open; merged is final.
Status = Literal["open", "acknowledged", "resolved", "merged"]
ACTIVE: tuple[Status, ...] = ("open", "acknowledged")
EventKind = Literal[
    "opened",
    "attached",
    "assigned",
    "acknowledged",
    "noted",
    "resolved",
    "close_the_loop",
    "reopened",
    "sla_warning",
    "escalated",
    "merged",
    "transferred",
    "recovered",
]


class CaseConflict(BoucleError):
    """A command the case's current state does not allow (the API answers 409)."""

    def __init__(self, message: str, *, case_id: str, code: str = "invalid_transition") -> None:
        super().__init__(message)
        self.message = message
        self.case_id = case_id
        self.code = code


class StaleVersion(CaseConflict):
    """The case changed since the caller read it."""

    def __init__(self, case_id: str, *, expected: int, actual: int) -> None:
        super().__init__(
            f"case {case_id} is at version {actual}, not {expected}: reload it and retry",
            case_id=case_id,
            code="stale_version",
        )


@dataclass(frozen=True, slots=True)
class Signal:
    """A negative response as a case sees it: what triage made of it."""

    message_id: str
    occurred_at: datetime
    priority: int
    queue: str
    summary: str
    reasons: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    # Triage's rule priority before any raise (0: the same as ``priority``).
    base_priority: int = 0

    @property
    def base(self) -> int:
        return self.base_priority or self.priority


@dataclass(frozen=True, slots=True)
class Resolution:
    note: str
    root_cause: str
    # Did the customer come back happy? None: not known yet (a survey or a later response
    # may tell).
    recovered: bool | None
    at: datetime
    by: str | None


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    person_id: str
    status: Status
    # The queue order: triage's priority, raised by escalations and more urgent signals.
    priority: int
    # The priority the SLA clocks run on: triage's only, so an escalation does not shorten the
    # deadlines that caused it.
    sla_priority: int
    queue: str
    summary: str
    opened_at: datetime
    # When the SLA clocks started: opening, or the last reopening.
    clock_started_at: datetime
    updated_at: datetime
    response_ids: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    owner: str | None = None
    # First contact in the current cycle (SLA) and the very first one (time-to-first-contact).
    acknowledged_at: datetime | None = None
    first_contact_at: datetime | None = None
    resolution: Resolution | None = None
    recovered: bool | None = None
    reopen_count: int = 0
    # Highest SLA level reached per clock in this cycle: 1 warning, 2+ escalation steps.
    first_contact_level: int = 0
    resolve_level: int = 0
    merged_into: str | None = None
    previous_case_id: str | None = None
    version: int = 1
    # The most urgent rule priority among the case's responses, before raises (0: unknown,
    # a case stored before it was kept; ``sla_priority`` stands in).
    base_priority: int = 0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass(frozen=True, slots=True)
class CaseEvent:
    kind: EventKind
    case_id: str
    person_id: str
    # The case's version once the command that emitted this event applied.
    version: int
    at: datetime
    by: str | None = None
    # JSON-able details of what happened.
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Change:
    case: Case
    events: tuple[CaseEvent, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.events)


def expect_version(case: Case, version: int) -> None:
    """Optimistic concurrency for the API: refuses a write based on an older read."""
    if case.version != version:
        raise StaleVersion(case.case_id, expected=version, actual=case.version)


def conflict(case: Case, command: str, *, allowed: tuple[Status, ...]) -> CaseConflict:
    states = " or ".join(allowed)
    return CaseConflict(
        f"cannot {command} case {case.case_id}: it is {case.status} (possible when {states})",
        case_id=case.case_id,
    )


def advance(case: Case, at: datetime, **changes: Any) -> Case:
    """The case after a command: one version higher."""
    return replace(case, **changes, updated_at=max(case.updated_at, at), version=case.version + 1)


def record(
    case: Case, kind: EventKind, at: datetime, by: str | None = None, **detail: Any
) -> CaseEvent:
    return CaseEvent(kind, case.case_id, case.person_id, case.version, at, by, detail)


def union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))
