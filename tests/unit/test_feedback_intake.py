"""Intake: one active case per person, reopening, recovery, and merging two people's cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.feedback.case import Case, CaseConflict, Signal
from services.feedback.intake import (
    merge,
    merge_persons,
    on_negative,
    on_recovering,
    signal_of,
    summary_of,
)
from services.feedback.lifecycle import acknowledge, assign, escalate, open_case, resolve
from services.feedback.negativity import assess
from services.feedback.policy import IntakePolicy, NegativityPolicy, SlaPolicy, TriagePolicy
from services.feedback.sla import due
from services.feedback.triage import CustomerValue, History, triage
from tests.factories import T0, feedback, verdict

DAY = timedelta(days=1)
POLICY = IntakePolicy()


def signal(message_id: str, *, days: float = 0, priority: int = 2) -> Signal:
    return Signal(
        message_id=message_id,
        occurred_at=T0 + days * DAY,
        priority=priority,
        queue="support",
        summary=f"summary {message_id}",
    )


def case_of(person: str, message_id: str, *, priority: int = 2, days: float = 0) -> Case:
    first = signal(message_id, days=days, priority=priority)
    return open_case(f"case-{person}", first, person_id=person, at=T0 + days * DAY).case


def receive(last: Case | None, new: Signal) -> Case:
    at = new.occurred_at
    change = on_negative(
        last, new, new_case_id=f"case-{new.message_id}", person_id="p1", at=at, policy=POLICY
    )
    return change.case


def resolved_case(days: float = 1) -> Case:
    return resolve(
        case_of("p1", "m1"), note="n", root_cause="r", recovered=None, at=T0 + days * DAY
    ).case


def test_a_first_negative_opens_a_case_and_the_next_ones_attach_to_it() -> None:
    first = receive(None, signal("m1"))
    second = receive(first, signal("m2", days=2, priority=1))
    assert (first.case_id, second.case_id) == ("case-m1", "case-m1")
    assert (second.priority, second.response_ids, second.status) == (1, ("m1", "m2"), "open")


def test_a_negative_soon_after_the_resolution_reopens_the_case() -> None:
    owned = assign(case_of("p1", "m1"), "ana", at=T0).case
    done = resolve(owned, note="n", root_cause="r", recovered=False, at=T0 + DAY).case
    change = on_negative(
        done,
        signal("m2", days=10),
        new_case_id="new",
        person_id="p1",
        at=T0 + 10 * DAY,
        policy=POLICY,
    )
    assert [e.kind for e in change.events] == ["reopened", "attached"]
    state = change.case
    assert (state.case_id, state.status, state.reopen_count, state.owner) == (
        "case-p1",
        "open",
        1,
        "ana",
    )
    assert state.clock_started_at == T0 + 10 * DAY
    assert state.version == done.version + 1
    assert {event.version for event in change.events} == {state.version}
    assert change.events[0].detail["reason"] == "new negative: summary m2"


def test_a_redelivered_response_does_not_reopen_the_case_it_already_belongs_to() -> None:
    done = resolved_case()
    again = on_negative(
        done, signal("m1"), new_case_id="new", person_id="p1", at=T0 + 2 * DAY, policy=POLICY
    )
    assert (again.case, again.events) == (done, ())


def test_a_negative_after_the_reopen_window_opens_a_new_linked_case() -> None:
    done = resolved_case()
    fresh = receive(done, signal("m2", days=1 + 14.5))
    assert (fresh.case_id, fresh.previous_case_id, fresh.reopen_count) == ("case-m2", "case-p1", 0)


def test_a_later_recovering_response_marks_the_resolved_case_recovered() -> None:
    done = resolved_case(days=1)
    later = feedback("nps", 8, days=30)
    change = on_recovering(done, later, at=T0 + 30 * DAY, policy=POLICY)
    assert change is not None
    assert change.case.recovered is True
    assert [e.kind for e in change.events] == ["recovered"]
    assert change.events[0].detail == {"message_id": later.message_id}


@pytest.mark.parametrize("days", [0.5, 1 + 91])
def test_a_response_before_the_resolution_or_after_the_window_is_no_recovery(days: float) -> None:
    done = resolved_case(days=1)
    assert on_recovering(done, feedback("nps", 9, days=days), at=T0, policy=POLICY) is None


def test_an_active_or_already_recovered_case_is_not_recovered_again() -> None:
    assert (
        on_recovering(case_of("p1", "m1"), feedback("nps", 9, days=3), at=T0, policy=POLICY) is None
    )
    won = resolve(case_of("p1", "m1"), note="n", root_cause="r", recovered=True, at=T0).case
    assert on_recovering(won, feedback("nps", 9, days=3), at=T0, policy=POLICY) is None
    assert on_recovering(None, feedback("nps", 9), at=T0, policy=POLICY) is None


def test_merging_two_peoples_cases_keeps_the_most_urgent_priority_and_all_history() -> None:
    survivor = acknowledge(case_of("p1", "m1", priority=3, days=2), at=T0 + 3 * DAY, by="ana").case
    survivor = assign(survivor, "ana", at=T0 + 3 * DAY).case
    absorbed = case_of("p2", "m2", priority=1)
    kept, gone = merge(survivor, absorbed, at=T0 + 4 * DAY)
    state = kept.case
    assert (state.case_id, state.person_id, state.priority, state.sla_priority) == (
        "case-p1",
        "p1",
        1,
        1,
    )
    assert state.response_ids == ("m1", "m2")
    assert (state.opened_at, state.clock_started_at) == (T0, T0)  # the longer wait counts
    assert (state.status, state.owner, state.acknowledged_at) == (
        "acknowledged",
        "ana",
        T0 + 3 * DAY,
    )
    assert (gone.case.status, gone.case.merged_into, gone.case.resolution) == (
        "merged",
        "case-p1",
        None,
    )
    assert gone.case.response_ids == ("m2",)  # the absorbed case keeps its own record
    assert kept.events[0].detail == {"absorbed": "case-p2"}
    assert gone.events[0].detail == {"into": "case-p1"}


def test_a_merged_case_keeps_the_higher_sla_levels_so_no_step_fires_twice() -> None:
    sla = SlaPolicy()
    absorbed = case_of("p2", "m2", priority=2)
    (warning,) = [
        d
        for d in due([absorbed], T0 + 20 * timedelta(hours=1), policy=sla)
        if d.clock == "first_contact"
    ]
    absorbed = escalate(absorbed, [warning], at=T0 + 20 * timedelta(hours=1)).case
    kept, _ = merge(case_of("p1", "m1", priority=2, days=0.5), absorbed, at=T0 + DAY * 0.9)
    assert kept.case.first_contact_level == 1
    assert all(d.level > 1 for d in due([kept.case], T0 + DAY * 0.95, policy=sla))


def test_merged_and_resolved_cases_cannot_be_merged() -> None:
    survivor, absorbed = case_of("p1", "m1"), case_of("p2", "m2")
    _, gone = merge(survivor, absorbed, at=T0)
    with pytest.raises(CaseConflict, match="cannot merge case case-p2: it is merged"):
        merge(survivor, gone.case, at=T0)
    with pytest.raises(CaseConflict, match="it is resolved"):
        merge(resolved_case(), absorbed, at=T0)


def test_a_merge_of_people_moves_a_lone_case_to_the_survivor() -> None:
    absorbed = case_of("p2", "m2")
    (moved,) = merge_persons(None, absorbed, person_id="p1", at=T0 + DAY)
    assert (moved.case.person_id, moved.case.status) == ("p1", "open")
    assert moved.events[0].detail == {"previous_person": "p2"}
    (also,) = merge_persons(resolved_case(), absorbed, person_id="p1", at=T0 + DAY)
    assert also.case.person_id == "p1"
    both = merge_persons(case_of("p1", "m1"), absorbed, person_id="p1", at=T0 + DAY)
    assert [c.case.status for c in both] == ["open", "merged"]
    assert merge_persons(case_of("p1", "m1"), None, person_id="p1", at=T0) == []


def test_a_triaged_response_becomes_a_signal_with_all_its_reasons() -> None:
    response = feedback("nps", 3, text="livraison en retard")
    reading = verdict(language="fr", themes=("delivery",))
    negativity = assess(response, reading, policy=NegativityPolicy())
    triaged = triage(
        response, reading, value=CustomerValue(), history=History(), policy=TriagePolicy()
    )
    made = signal_of(response, reading, negativity=negativity, triage=triaged)
    assert (made.priority, made.queue, made.themes) == (2, "delivery", ("delivery",))
    assert made.summary == "NPS 3: livraison en retard"
    assert made.reasons[0] == "NPS 3 (detractor)"
    assert made.reasons[-1] == "route delivery: delivery"


def test_summaries_name_the_instrument_and_channel() -> None:
    assert summary_of(feedback("spam_report")) == "SPAM_REPORT"
    text = feedback("feedback", text="x" * 300, channel="call")
    assert summary_of(text) == "FEEDBACK (call): " + "x" * 200
    assert summary_of(replace(feedback("review", 1), text=None)) == "REVIEW 1"
