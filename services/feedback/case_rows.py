"""The case aggregate as a row of ``feedback.cases`` and back, with the columns derived from it
for the queries that must not load every case: the SLA job's ``next_due_at``, the queue order's
``sla_deadline``, the KPIs' ``contacted_in_time`` and ``resolved_in_time``. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.feedback.case import Case, Resolution
from services.feedback.policy import SlaPolicy
from services.feedback.sla import deadline, next_due_at, outcome, running


def sla_deadline(case: Case, *, policy: SlaPolicy) -> datetime | None:
    """The deadline of the clock that runs out first; None once no clock runs."""
    return min((deadline(case, clock, policy=policy) for clock in running(case)), default=None)


def row_of(case: Case, *, policy: SlaPolicy) -> dict[str, Any]:
    resolution = case.resolution
    done = outcome(case, policy=policy)
    return {
        "case_id": case.case_id,
        "person_id": case.person_id,
        "status": case.status,
        "priority": case.priority,
        "sla_priority": case.sla_priority,
        "queue": case.queue,
        "summary": case.summary,
        "opened_at": case.opened_at,
        "clock_started_at": case.clock_started_at,
        "updated_at": case.updated_at,
        "response_ids": list(case.response_ids),
        "themes": list(case.themes),
        "owner": case.owner,
        "acknowledged_at": case.acknowledged_at,
        "first_contact_at": case.first_contact_at,
        "resolution_note": resolution.note if resolution else None,
        "resolution_root_cause": resolution.root_cause if resolution else None,
        "resolution_recovered": resolution.recovered if resolution else None,
        "resolved_at": resolution.at if resolution else None,
        "resolved_by": resolution.by if resolution else None,
        "recovered": case.recovered,
        "reopen_count": case.reopen_count,
        "first_contact_level": case.first_contact_level,
        "resolve_level": case.resolve_level,
        "merged_into": case.merged_into,
        "previous_case_id": case.previous_case_id,
        "version": case.version,
        "base_priority": case.base_priority,
        "next_due_at": next_due_at(case, policy=policy),
        "sla_deadline": sla_deadline(case, policy=policy),
        "contacted_in_time": done.first_contact,
        "resolved_in_time": done.resolve,
    }


def case_of(row: Mapping[Any, Any]) -> Case:
    resolution = None
    if row["resolved_at"] is not None:
        resolution = Resolution(
            note=row["resolution_note"],
            root_cause=row["resolution_root_cause"],
            recovered=row["resolution_recovered"],
            at=row["resolved_at"],
            by=row["resolved_by"],
        )
    return Case(
        case_id=row["case_id"],
        person_id=row["person_id"],
        status=row["status"],
        priority=row["priority"],
        sla_priority=row["sla_priority"],
        queue=row["queue"],
        summary=row["summary"],
        opened_at=row["opened_at"],
        clock_started_at=row["clock_started_at"],
        updated_at=row["updated_at"],
        response_ids=tuple(row["response_ids"]),
        themes=tuple(row["themes"]),
        owner=row["owner"],
        acknowledged_at=row["acknowledged_at"],
        first_contact_at=row["first_contact_at"],
        resolution=resolution,
        recovered=row["recovered"],
        reopen_count=row["reopen_count"],
        first_contact_level=row["first_contact_level"],
        resolve_level=row["resolve_level"],
        merged_into=row["merged_into"],
        previous_case_id=row["previous_case_id"],
        version=row["version"],
        base_priority=row["base_priority"] or 0,
    )
