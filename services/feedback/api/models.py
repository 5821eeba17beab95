"""The case API's bodies: what it answers and what its commands take (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from services.feedback.case import Case, Status
from shared.api import ApiModel

# Free text an agent writes: long enough for a call summary, short enough to refuse a paste of
# a whole mailbox with a message saying so.
MAX_TEXT = 10_000


class ErrorOut(ApiModel):
    """Why a request was refused, and what to fix."""

    error: str
    message: str
    field: str | None = None


class ErrorBody(ApiModel):
    detail: ErrorOut


class ResolutionOut(ApiModel):
    note: str
    root_cause: str
    recovered: bool | None
    at: datetime
    by: str | None


class CaseOut(ApiModel):
    case_id: str
    person_id: str
    status: Status
    priority: int
    sla_priority: int
    queue: str
    summary: str
    owner: str | None
    opened_at: datetime
    clock_started_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    first_contact_at: datetime | None
    resolution: ResolutionOut | None
    recovered: bool | None
    reopen_count: int
    merged_into: str | None
    previous_case_id: str | None
    response_ids: list[str]
    themes: list[str]
    # The deadline of the SLA clock that runs out first; past it, the case is overdue.
    sla_deadline: datetime | None
    overdue: bool
    # What writes must send back (If-Match or the body's ``version``).
    version: int

    @classmethod
    def of(cls, case: Case, *, deadline: datetime | None, now: datetime) -> CaseOut:
        resolution = case.resolution
        return cls(
            case_id=case.case_id,
            person_id=case.person_id,
            status=case.status,
            priority=case.priority,
            sla_priority=case.sla_priority,
            queue=case.queue,
            summary=case.summary,
            owner=case.owner,
            opened_at=case.opened_at,
            clock_started_at=case.clock_started_at,
            updated_at=case.updated_at,
            acknowledged_at=case.acknowledged_at,
            first_contact_at=case.first_contact_at,
            resolution=ResolutionOut(
                note=resolution.note,
                root_cause=resolution.root_cause,
                recovered=resolution.recovered,
                at=resolution.at,
                by=resolution.by,
            )
            if resolution
            else None,
            recovered=case.recovered,
            reopen_count=case.reopen_count,
            merged_into=case.merged_into,
            previous_case_id=case.previous_case_id,
            response_ids=list(case.response_ids),
            themes=list(case.themes),
            sla_deadline=deadline,
            overdue=deadline is not None and deadline <= now,
            version=case.version,
        )


class CasesOut(ApiModel):
    cases: list[CaseOut]
    # Pass as ``cursor`` for the next page; null on the last page.
    next: str | None


class CaseEventOut(ApiModel):
    kind: str
    version: int
    seq: int
    at: datetime
    by: str | None
    detail: dict[str, Any]


class ResponseOut(ApiModel):
    message_id: str
    instrument: str
    score: int | None
    band: str | None
    text: str | None
    channel: str
    occurred_at: datetime
    negative: bool
    reasons: list[str]
    language: str | None
    label: str | None


class CaseDetailOut(ApiModel):
    case: CaseOut
    history: list[CaseEventOut]
    responses: list[ResponseOut]


class Command(ApiModel):
    """Every write: who does it, and the version it was based on (or the If-Match header)."""

    model_config = ConfigDict(extra="forbid")

    by: str | None = Field(default=None, max_length=200)
    version: int | None = Field(default=None, ge=1)


class AssignIn(Command):
    owner: str = Field(min_length=1, max_length=200)


class AcknowledgeIn(Command):
    note: str | None = Field(default=None, max_length=MAX_TEXT)


class ResolveIn(Command):
    note: str = Field(min_length=1, max_length=MAX_TEXT)
    root_cause: str = Field(min_length=1, max_length=200)
    # Did the customer come back happy? null: not known yet (a later response may tell).
    recovered: bool | None = None
    # Ask for a follow-up survey in the close-the-loop event.
    survey: bool = False


class ReopenIn(Command):
    reason: str = Field(min_length=1, max_length=MAX_TEXT)


class NoteIn(Command):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
