"""What feedback publishes, as outgoing records: case events and spike alerts. Pure.

Every case event goes to the follow-ups topic, keyed by person so one person's events keep
their order. The events that put work in a queue (``opened``, ``attached``, ``escalated``) also
go to that queue's own topic (``TRIAGE__QUEUES``), for whoever works that queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.feedback.case import Change
from services.feedback.policy import Queue
from services.feedback.trends import SpikeAlert
from shared.events import CaseEventRecord, SpikeAlertRecord
from shared.producer import OutgoingRecord

QUEUE_KINDS = frozenset({"opened", "attached", "escalated"})


@dataclass(frozen=True, slots=True)
class CaseTopics:
    followups: str
    queues: Mapping[str, Queue]


def case_event_records(changes: Iterable[Change]) -> list[CaseEventRecord]:
    """The events of each change with the case's state after it; ``seq`` orders the events a
    command emitted under one version."""
    records = []
    for change in changes:
        case = change.case
        for seq, event in enumerate(change.events):
            records.append(
                CaseEventRecord(
                    kind=event.kind,
                    case_id=event.case_id,
                    person_id=event.person_id,
                    version=event.version,
                    seq=seq,
                    at=event.at,
                    by=event.by,
                    status=case.status,
                    priority=case.priority,
                    queue=case.queue,
                    owner=case.owner,
                    summary=case.summary,
                    detail=dict(event.detail),
                )
            )
    return records


def case_outputs(records: Iterable[CaseEventRecord], *, topics: CaseTopics) -> list[OutgoingRecord]:
    out = []
    for record in records:
        value = record.to_bytes()
        out.append(OutgoingRecord(topic=topics.followups, key=record.person_id, value=value))
        queue = topics.queues.get(record.queue)
        if record.kind in QUEUE_KINDS and queue is not None:
            out.append(OutgoingRecord(topic=queue.topic, key=record.person_id, value=value))
    return out


def alert_record(alert: SpikeAlert, *, period: str) -> SpikeAlertRecord:
    test = alert.test
    assert test.kind is not None  # only tests that found something become alerts
    return SpikeAlertRecord.model_validate(
        {
            "theme": alert.theme,
            "window": period,
            "starts_on": alert.window,
            "measure": alert.measure,
            "kind": test.kind,
            "observed": test.observed,
            "expected": test.expected,
            "p_value": test.p_value,
            "z": test.z,
        }
    )


def alert_outputs(records: Iterable[SpikeAlertRecord], *, topic: str) -> list[OutgoingRecord]:
    return [OutgoingRecord(topic=topic, key=r.theme, value=r.to_bytes()) for r in records]
