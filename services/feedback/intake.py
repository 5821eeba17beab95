"""What a response or a merge of two people does to a person's cases (notes §6.5). Pure.

One active case per person: a negative response attaches to it; else it reopens the person's
last case when that was resolved within the reopen window; else it opens a new case linked to
the previous one. A recovering response after a resolution marks the case recovered. When the
sessionizer merges two people, their cases merge: the most urgent priority wins, the absorbed
case ends ``merged`` (not counted as resolved) and its history stays under its own id.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.feedback.case import Case, CaseConflict, Change, Signal, advance, record, union
from services.feedback.instruments import Response
from services.feedback.lifecycle import (
    attach,
    base_of,
    mark_recovered,
    open_case,
    reopen,
    repeated,
)
from services.feedback.negativity import Negativity
from services.feedback.policy import IntakePolicy
from services.feedback.text.verdict import TextVerdict
from services.feedback.triage import Triage

SUMMARY_TEXT = 200


def signal_of(
    response: Response, verdict: TextVerdict | None, *, negativity: Negativity, triage: Triage
) -> Signal:
    return Signal(
        message_id=response.message_id,
        occurred_at=response.occurred_at,
        priority=triage.priority,
        queue=triage.queue,
        summary=summary_of(response),
        reasons=(*negativity.reasons, *triage.reasons),
        themes=verdict.themes if verdict else (),
        base_priority=triage.base_priority,
    )


def summary_of(response: Response) -> str:
    """``NPS 3: slow delivery``, ``FEEDBACK (contact_form): …``, ``SPAM_REPORT``."""
    head = response.instrument.upper()
    if response.score is not None:
        head += f" {response.score}"
    elif response.instrument == "feedback":
        head += f" ({response.channel})"
    return f"{head}: {response.text[:SUMMARY_TEXT]}" if response.text else head


def on_negative(
    last: Case | None,
    signal: Signal,
    *,
    new_case_id: str,
    person_id: str,
    at: datetime,
    policy: IntakePolicy,
) -> Change:
    """``last`` is the person's most recent case (active or not), if any. A response the case
    already holds changes nothing (a redelivery must not reopen a resolved case)."""
    if last is not None and signal.message_id in last.response_ids:
        return Change(last)
    if last is not None and last.active:
        return attach(last, signal, at=at)
    if last is not None and last.status == "resolved" and _reopens(last, signal, policy):
        reopened = reopen(last, reason=f"new negative: {signal.summary}", at=at)
        attached = attach(reopened.case, signal, at=at)
        # One command, one version: the consumer writes the case once.
        version = last.version + 1
        events = tuple(replace(e, version=version) for e in (*reopened.events, *attached.events))
        return Change(replace(attached.case, version=version), events)
    previous = last.case_id if last is not None else None
    return open_case(new_case_id, signal, person_id=person_id, at=at, previous_case_id=previous)


def _reopens(case: Case, signal: Signal, policy: IntakePolicy) -> bool:
    """Within the window after the resolution, or before it (a late arrival) — unseen anyway."""
    resolved_at = case.resolution.at if case.resolution else case.updated_at
    return signal.occurred_at - resolved_at <= policy.reopen_window


def on_recovering(
    last: Case | None, response: Response, *, at: datetime, policy: IntakePolicy
) -> Change | None:
    """A recovering response (``negativity.recovers``) given after the person's last case was
    resolved, within the recovery window: the case is marked recovered."""
    if last is None or last.status != "resolved" or last.resolution is None or last.recovered:
        return None
    since = response.occurred_at - last.resolution.at
    if not (since.total_seconds() > 0 and since <= policy.recovery_window):
        return None
    return mark_recovered(last, message_id=response.message_id, at=at)


def merge(survivor: Case, absorbed: Case, *, at: datetime) -> tuple[Change, Change]:
    """Two active cases of people now known to be one. The survivor takes the most urgent
    priority, the earliest clocks and contacts, the higher SLA levels (no step fires twice) and
    every response; the absorbed case ends ``merged`` into it."""
    for case in (survivor, absorbed):
        if not case.active:
            raise CaseConflict(
                f"cannot merge case {case.case_id}: it is {case.status}", case_id=case.case_id
            )
    urgent = absorbed if absorbed.priority < survivor.priority else survivor
    base = min(base_of(survivor), base_of(absorbed))
    merged = advance(
        survivor,
        at,
        # Two people's negatives on one case are repeats, as if they had come to one person.
        priority=min(urgent.priority, repeated(base)),
        sla_priority=min(survivor.sla_priority, absorbed.sla_priority, repeated(base)),
        base_priority=base,
        queue=urgent.queue,
        summary=urgent.summary,
        opened_at=min(survivor.opened_at, absorbed.opened_at),
        clock_started_at=min(survivor.clock_started_at, absorbed.clock_started_at),
        status="acknowledged" if "acknowledged" in (survivor.status, absorbed.status) else "open",
        acknowledged_at=_earliest(survivor.acknowledged_at, absorbed.acknowledged_at),
        first_contact_at=_earliest(survivor.first_contact_at, absorbed.first_contact_at),
        owner=survivor.owner or absorbed.owner,
        response_ids=union(survivor.response_ids, absorbed.response_ids),
        themes=union(survivor.themes, absorbed.themes),
        first_contact_level=max(survivor.first_contact_level, absorbed.first_contact_level),
        resolve_level=max(survivor.resolve_level, absorbed.resolve_level),
        reopen_count=max(survivor.reopen_count, absorbed.reopen_count),
    )
    gone = advance(absorbed, at, status="merged", merged_into=survivor.case_id)
    return (
        Change(merged, (record(merged, "merged", at, absorbed=absorbed.case_id),)),
        Change(gone, (record(gone, "merged", at, into=survivor.case_id),)),
    )


def transfer(case: Case, *, person_id: str, at: datetime) -> Change:
    """The case of an absorbed person now belongs to the survivor."""
    if case.person_id == person_id:
        return Change(case)
    moved = advance(case, at, person_id=person_id)
    return Change(moved, (record(moved, "transferred", at, previous_person=case.person_id),))


def merge_persons(
    survivor: Case | None, absorbed: Case | None, *, person_id: str, at: datetime
) -> list[Change]:
    """The latest case of each of two merged people: active ones merge, a lone one moves."""
    if absorbed is None:
        return []
    if survivor is not None and survivor.active and absorbed.active:
        return list(merge(survivor, absorbed, at=at))
    return [transfer(absorbed, person_id=person_id, at=at)]


def _earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    present = [moment for moment in (first, second) if moment is not None]
    return min(present, default=None)
