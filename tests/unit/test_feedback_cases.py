"""The case aggregate: lifecycle commands, their events, and what they refuse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from services.feedback.case import (
    Case,
    CaseConflict,
    Change,
    Signal,
    StaleVersion,
    expect_version,
)
from services.feedback.lifecycle import (
    acknowledge,
    add_note,
    assign,
    attach,
    mark_recovered,
    open_case,
    reopen,
    resolve,
)
from shared.errors import BadInput
from tests.factories import T0

HOUR = timedelta(hours=1)


def signal(message_id: str = "m1", *, priority: int = 2, queue: str = "support") -> Signal:
    return Signal(
        message_id=message_id,
        occurred_at=T0,
        priority=priority,
        queue=queue,
        summary=f"NPS 3: {message_id}",
        reasons=("NPS 3 (detractor)",),
        themes=("delivery",),
    )


def opened(*, priority: int = 2, queue: str = "support") -> Case:
    return open_case("case-1", signal(priority=priority, queue=queue), person_id="p1", at=T0).case


def resolved() -> Case:
    return resolve(
        opened(), note="refunded", root_cause="carrier", recovered=None, at=T0 + HOUR
    ).case


def test_open_acknowledge_resolve_goes_through_the_states_one_version_at_a_time() -> None:
    first = open_case("case-1", signal(), person_id="p1", at=T0)
    contacted = acknowledge(first.case, at=T0 + HOUR, by="ana", note="called, voicemail")
    done = resolve(
        contacted.case,
        note="refund issued",
        root_cause="late delivery",
        recovered=None,
        at=T0 + 3 * HOUR,
        by="ana",
        survey=True,
    )
    assert [c.case.status for c in (first, contacted, done)] == ["open", "acknowledged", "resolved"]
    assert [c.case.version for c in (first, contacted, done)] == [1, 2, 3]
    assert [e.kind for e in done.events] == ["resolved", "close_the_loop"]
    assert all(e.version == 3 for e in done.events)
    loop = done.events[1].detail
    assert (loop["survey"], loop["root_cause"], loop["queue"]) == (True, "late delivery", "support")
    assert done.case.first_contact_at == T0 + HOUR
    assert done.case.resolution is not None
    assert done.case.resolution.by == "ana"


def test_opening_records_the_signal_and_starts_the_clocks_when_the_case_opens() -> None:
    change = open_case("case-1", signal(), person_id="p1", at=T0 + HOUR)
    assert change.case.clock_started_at == T0 + HOUR
    (event,) = change.events
    assert (event.kind, event.detail["message_id"], event.detail["priority"]) == ("opened", "m1", 2)


def test_resolving_a_case_never_acknowledged_counts_as_its_first_contact() -> None:
    change = resolve(opened(), note="n", root_cause="r", recovered=False, at=T0 + HOUR)
    assert [e.kind for e in change.events] == ["acknowledged", "resolved", "close_the_loop"]
    assert change.case.acknowledged_at == change.case.first_contact_at == T0 + HOUR
    assert change.case.recovered is False


@pytest.mark.parametrize(
    ("note", "root_cause", "field"), [("", "r", "note"), ("n", " ", "root_cause")]
)
def test_resolving_needs_a_note_and_a_root_cause(note: str, root_cause: str, field: str) -> None:
    with pytest.raises(BadInput) as caught:
        resolve(opened(), note=note, root_cause=root_cause, recovered=None, at=T0)
    assert caught.value.field == field


def test_attaching_keeps_the_most_urgent_priority_and_its_queue() -> None:
    case = opened(priority=2, queue="support")
    urgent = attach(case, signal("m2", priority=1, queue="billing"), at=T0 + HOUR).case
    assert (urgent.priority, urgent.sla_priority, urgent.queue) == (1, 1, "billing")
    calmer = attach(urgent, signal("m3", priority=3, queue="delivery"), at=T0 + 2 * HOUR).case
    assert (calmer.priority, calmer.queue, calmer.summary) == (1, "billing", "NPS 3: m3")
    assert calmer.response_ids == ("m1", "m2", "m3")


@pytest.mark.parametrize("bases", [(2, 3), (3, 2), (3, 3, 3), (2, 3, 3), (3, 3, 2)])
def test_a_repeat_raises_the_case_one_level_above_its_most_urgent_rule_in_any_order(
    bases: tuple[int, ...],
) -> None:
    def case_of(order: tuple[int, ...]) -> Case:
        signals = [signal(f"m{i}", priority=p) for i, p in enumerate(order)]
        case = open_case("case-1", signals[0], person_id="p1", at=T0).case
        for later in signals[1:]:
            case = attach(case, later, at=T0 + HOUR).case
        return case

    cases = [case_of(bases), case_of(tuple(reversed(bases)))]
    expected = max(1, min(bases) - 1)
    assert [(c.priority, c.sla_priority, c.base_priority) for c in cases] == [
        (expected, expected, min(bases))
    ] * 2


def test_attaching_the_same_response_twice_changes_nothing() -> None:
    case = opened()
    again = attach(case, signal("m1"), at=T0 + HOUR)
    assert (again.case, again.events, again.changed) == (case, (), False)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (lambda c: acknowledge(c, at=T0), "cannot acknowledge case case-1: it is resolved"),
        (lambda c: assign(c, "bob", at=T0), "cannot assign case case-1: it is resolved"),
        (
            lambda c: resolve(c, note="n", root_cause="r", recovered=None, at=T0),
            "cannot resolve case case-1: it is resolved",
        ),
        (lambda c: attach(c, signal("m9"), at=T0), "cannot attach a response to case case-1"),
    ],
)
def test_commands_a_resolved_case_refuses_raise_a_typed_conflict(
    command: Callable[[Case], Change], message: str
) -> None:
    with pytest.raises(CaseConflict) as caught:
        command(resolved())
    assert caught.value.message.startswith(message)
    assert (caught.value.case_id, caught.value.code) == ("case-1", "invalid_transition")


def test_acknowledging_twice_and_reopening_an_open_case_are_conflicts() -> None:
    contacted = acknowledge(opened(), at=T0).case
    with pytest.raises(CaseConflict, match="it is acknowledged"):
        acknowledge(contacted, at=T0 + HOUR)
    with pytest.raises(CaseConflict, match="cannot reopen case case-1: it is open"):
        reopen(opened(), reason="again", at=T0)


def test_assigning_and_noting_record_who_did_it() -> None:
    case = assign(opened(), "ana", at=T0, by="lead").case
    same = assign(case, "ana", at=T0 + HOUR, by="lead")
    assert not same.changed
    moved = assign(case, "bob", at=T0 + HOUR, by="lead")
    (event,) = moved.events
    assert (event.kind, event.by, event.detail) == (
        "assigned",
        "lead",
        {"owner": "bob", "previous": "ana"},
    )
    noted = add_note(moved.case, " tried twice ", at=T0 + 2 * HOUR, by="bob")
    assert noted.events[0].detail == {"note": "tried twice"}
    with pytest.raises(BadInput):
        add_note(noted.case, "   ", at=T0, by="bob")
    with pytest.raises(BadInput):
        assign(noted.case, "", at=T0)


def test_reopening_restarts_the_clocks_and_keeps_the_owner() -> None:
    case = assign(opened(), "ana", at=T0).case
    done = resolve(case, note="n", root_cause="r", recovered=False, at=T0 + HOUR).case
    again = reopen(done, reason="still broken", at=T0 + 5 * HOUR)
    state = again.case
    assert (state.status, state.owner, state.reopen_count) == ("open", "ana", 1)
    assert state.clock_started_at == T0 + 5 * HOUR
    assert (state.acknowledged_at, state.resolution, state.recovered) == (None, None, None)
    assert state.first_contact_at == T0 + HOUR  # the very first contact stays, for the KPI
    assert again.events[0].detail == {"reason": "still broken", "reopen_count": 1}


def test_marking_recovered_once() -> None:
    change = mark_recovered(resolved(), message_id="nps-9", at=T0 + 24 * HOUR)
    assert change.case.recovered is True
    assert change.events[0].detail == {"message_id": "nps-9"}
    assert not mark_recovered(change.case, message_id="nps-10", at=T0 + 48 * HOUR).changed
    with pytest.raises(CaseConflict):
        mark_recovered(opened(), message_id="x", at=T0)


def test_a_write_based_on_an_older_version_is_refused() -> None:
    case = acknowledge(opened(), at=T0).case
    expect_version(case, 2)
    with pytest.raises(StaleVersion) as caught:
        expect_version(case, 1)
    assert caught.value.code == "stale_version"
    assert "is at version 2, not 1" in caught.value.message
