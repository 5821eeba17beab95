"""Commands on one case: open, attach, assign, acknowledge, note, resolve, reopen, escalate,
mark recovered. Pure: each returns a ``Change``; an impossible one raises ``CaseConflict``.

Commands that would change nothing (the same response twice, the same owner, an SLA level
already recorded) return the case unchanged with no events, so redelivery is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.feedback.case import (
    ACTIVE,
    Case,
    CaseEvent,
    Change,
    EventKind,
    Resolution,
    Signal,
    advance,
    conflict,
    record,
    union,
)
from services.feedback.sla import WARNING, SlaDue, recorded_level, running
from shared.errors import BadInput

MAX_TEXT = 10_000


def open_case(
    case_id: str,
    signal: Signal,
    *,
    person_id: str,
    at: datetime,
    previous_case_id: str | None = None,
) -> Change:
    """A new case; its SLA clocks start ``at`` (when the case opens, not when the feedback was
    given: an old offline survey imported today is not overdue on arrival)."""
    case = Case(
        case_id=case_id,
        person_id=person_id,
        status="open",
        priority=signal.priority,
        sla_priority=signal.priority,
        queue=signal.queue,
        summary=signal.summary,
        opened_at=at,
        clock_started_at=at,
        updated_at=at,
        response_ids=(signal.message_id,),
        themes=signal.themes,
        previous_case_id=previous_case_id,
        base_priority=signal.base,
    )
    return Change(case, (record(case, "opened", at, **_signal_detail(signal)),))


def repeated(*bases: int) -> int:
    """The priority of a case holding several negatives: one level above the most urgent rule
    priority among them. Taken from the rule priorities, not from the order the responses came
    in, so the same responses make the same case in any order (two instances, a replay)."""
    return max(1, min(bases) - 1)


def base_of(case: Case) -> int:
    return case.base_priority or case.sla_priority


def attach(case: Case, signal: Signal, *, at: datetime) -> Change:
    """Another negative response of the person: a repeat, so the case is raised one level above
    its most urgent rule priority; the most urgent priority (and its queue) wins."""
    _require(case, "attach a response to", ACTIVE)
    if signal.message_id in case.response_ids:
        return Change(case)
    base = min(base_of(case), signal.base)
    priority = min(signal.priority, repeated(base))
    urgent = priority < case.priority
    after = advance(
        case,
        at,
        priority=min(case.priority, priority),
        sla_priority=min(case.sla_priority, priority),
        base_priority=base,
        queue=signal.queue if urgent else case.queue,
        summary=signal.summary,
        response_ids=(*case.response_ids, signal.message_id),
        themes=union(case.themes, signal.themes),
    )
    return Change(after, (record(after, "attached", at, **_signal_detail(signal)),))


def assign(case: Case, owner: str, *, at: datetime, by: str | None = None) -> Change:
    _require(case, "assign", ACTIVE)
    owner = _text(owner, "owner")
    if owner == case.owner:
        return Change(case)
    after = advance(case, at, owner=owner)
    return Change(after, (record(after, "assigned", at, by, owner=owner, previous=case.owner),))


def acknowledge(
    case: Case, *, at: datetime, by: str | None = None, note: str | None = None
) -> Change:
    """First contact with the customer: stops the first-contact clock."""
    _require(case, "acknowledge", ("open",))
    after = advance(
        case,
        at,
        status="acknowledged",
        acknowledged_at=at,
        first_contact_at=case.first_contact_at or at,
    )
    detail = {"note": _text(note, "note")} if note is not None else {}
    return Change(after, (record(after, "acknowledged", at, by, **detail),))


def add_note(case: Case, text: str, *, at: datetime, by: str | None = None) -> Change:
    _require(case, "add a note to", (*ACTIVE, "resolved"))
    after = advance(case, at)
    return Change(after, (record(after, "noted", at, by, note=_text(text, "note")),))


def resolve(
    case: Case,
    *,
    note: str,
    root_cause: str,
    recovered: bool | None,
    at: datetime,
    by: str | None = None,
    survey: bool = False,
) -> Change:
    """Closes the loop: a resolution (note, root cause, recovered?) and a close-the-loop event
    asking to tell the customer, with a follow-up survey when ``survey``. Resolving a case never
    acknowledged counts as its first contact."""
    _require(case, "resolve", ACTIVE)
    note, root_cause = _text(note, "note"), _text(root_cause, "root_cause")
    resolution = Resolution(note, root_cause, recovered, at, by)
    after = advance(
        case,
        at,
        status="resolved",
        resolution=resolution,
        recovered=recovered,
        acknowledged_at=case.acknowledged_at or at,
        first_contact_at=case.first_contact_at or at,
    )
    return Change(after, _resolution_events(case, after, resolution, survey=survey))


def _resolution_events(
    before: Case, after: Case, resolution: Resolution, *, survey: bool
) -> tuple[CaseEvent, ...]:
    at, by, cause = resolution.at, resolution.by, resolution.root_cause
    events = [] if before.acknowledged_at else [record(after, "acknowledged", at, by)]
    detail = {"note": resolution.note, "root_cause": cause, "recovered": resolution.recovered}
    events.append(record(after, "resolved", at, by, **detail))
    loop = {"survey": survey, "queue": before.queue, "owner": before.owner, "root_cause": cause}
    events.append(record(after, "close_the_loop", at, by, **loop))
    return tuple(events)


def reopen(case: Case, *, reason: str, at: datetime, by: str | None = None) -> Change:
    """Back to open with the same owner; the SLA clocks and levels start again."""
    _require(case, "reopen", ("resolved",))
    after = advance(
        case,
        at,
        status="open",
        clock_started_at=at,
        acknowledged_at=None,
        resolution=None,
        recovered=None,
        reopen_count=case.reopen_count + 1,
        first_contact_level=0,
        resolve_level=0,
    )
    detail = {"reason": _text(reason, "reason"), "reopen_count": after.reopen_count}
    return Change(after, (record(after, "reopened", at, by, **detail),))


def escalate(case: Case, dues: Sequence[SlaDue], *, at: datetime) -> Change:
    """Records the SLA levels ``sla.due`` found on this case, in one version. An escalation
    raises the priority by one per ladder step crossed (to 1 at most). A due computed from
    another version of the case (it changed since), for a clock that stopped or a level already
    recorded changes nothing: the next run recomputes it."""
    fresh = _fresh(case, dues)
    if not fresh:
        return Change(case)
    priority, levels = case.priority, {}
    found: list[tuple[EventKind, dict[str, Any]]] = []
    for due in fresh:
        old = recorded_level(case, due.clock)
        levels[f"{due.clock}_level"] = due.level
        if due.kind == "warning":
            found.append(("sla_warning", _due_detail(due)))
            continue
        before, priority = priority, max(1, priority - (due.level - max(old, WARNING)))
        detail = {"from_level": old, "priority_before": before, "priority": priority}
        found.append(("escalated", {**_due_detail(due), **detail}))
    after = advance(case, at, priority=priority, **levels)
    return Change(after, tuple(record(after, kind, at, **detail) for kind, detail in found))


def _fresh(case: Case, dues: Sequence[SlaDue]) -> list[SlaDue]:
    """The highest due per clock that still applies to this very version of the case."""
    best: dict[str, SlaDue] = {}
    for due in dues:
        if due.case_id != case.case_id or due.version != case.version:
            continue
        if due.clock not in running(case) or due.level <= recorded_level(case, due.clock):
            continue
        if due.clock not in best or due.level > best[due.clock].level:
            best[due.clock] = due
    return list(best.values())


def mark_recovered(case: Case, *, message_id: str, at: datetime) -> Change:
    """A later response shows the customer won back (a recovery survey or organic feedback)."""
    _require(case, "mark recovered", ("resolved",))
    if case.recovered:
        return Change(case)
    after = advance(case, at, recovered=True)
    return Change(after, (record(after, "recovered", at, message_id=message_id),))


def _require(case: Case, command: str, allowed: tuple[Any, ...]) -> None:
    if case.status not in allowed:
        raise conflict(case, command, allowed=allowed)


def _text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise BadInput(f"{field} must not be empty", field=field)
    if len(text) > MAX_TEXT:
        raise BadInput(f"{field} is longer than {MAX_TEXT} characters", field=field)
    return text


def _signal_detail(signal: Signal) -> dict[str, Any]:
    return {
        "message_id": signal.message_id,
        "occurred_at": signal.occurred_at.isoformat(),
        "priority": signal.priority,
        "queue": signal.queue,
        "summary": signal.summary,
        "reasons": list(signal.reasons),
        "themes": list(signal.themes),
    }


def _due_detail(due: SlaDue) -> dict[str, Any]:
    return {
        "clock": due.clock,
        "level": due.level,
        "notify": due.notify,
        "deadline": due.deadline.isoformat(),
        "due_at": due.due_at.isoformat(),
    }
