"""SLA clocks driven by an injected clock: warnings, the escalation ladder, catch-up after
downtime, each step once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from services.feedback.case import Case, CaseEvent, Signal
from services.feedback.intake import merge
from services.feedback.lifecycle import acknowledge, escalate, open_case, reopen, resolve
from services.feedback.policy import EscalationStep, PrioritySla, SlaPolicy
from services.feedback.sla import deadline, due, next_due_at, outcome
from tests.factories import T0

HOUR = timedelta(hours=1)
DEFAULT = SlaPolicy()


def case(priority: int = 2) -> Case:
    first = Signal(message_id="m1", occurred_at=T0, priority=priority, queue="support", summary="s")
    return open_case("case-1", first, person_id="p1", at=T0).case


def tick(cases: dict[str, Case], now: datetime, policy: SlaPolicy = DEFAULT) -> list[CaseEvent]:
    """One run of the scheduled job: what is due at ``now``, applied case by case."""
    found = due(cases.values(), now, policy=policy)
    events: list[CaseEvent] = []
    for case_id in dict.fromkeys(item.case_id for item in found):
        change = escalate(cases[case_id], found, at=now)
        cases[case_id] = change.case
        events.extend(change.events)
    return events


def summary(events: list[CaseEvent]) -> list[tuple[str, str, int]]:
    return [(e.kind, e.detail["clock"], e.detail["level"]) for e in events]


def test_a_p2_case_warns_at_75_percent_then_climbs_the_ladder_each_step_once() -> None:
    cases = {"case-1": case(priority=2)}
    assert tick(cases, T0 + 17 * HOUR) == []
    assert summary(tick(cases, T0 + 18 * HOUR)) == [("sla_warning", "first_contact", 1)]
    assert tick(cases, T0 + 18 * HOUR) == []  # the same tick again: nothing twice
    breach = tick(cases, T0 + 24 * HOUR)
    assert summary(breach) == [("escalated", "first_contact", 2)]
    assert (breach[0].detail["notify"], breach[0].detail["priority"]) == ("team_lead", 1)
    assert summary(tick(cases, T0 + 48 * HOUR)) == [("escalated", "first_contact", 3)]
    assert breach[0].detail["deadline"] == (T0 + 24 * HOUR).isoformat()


def test_escalation_raises_the_queue_priority_but_not_the_sla_deadlines() -> None:
    cases = {"case-1": case(priority=2)}
    tick(cases, T0 + 24 * HOUR)
    escalated = cases["case-1"]
    assert (escalated.priority, escalated.sla_priority) == (1, 2)
    assert deadline(escalated, "first_contact", policy=DEFAULT) == T0 + 24 * HOUR


def test_after_downtime_an_overdue_case_gets_the_right_level_once() -> None:
    cases = {"case-1": case(priority=1)}  # first contact 4 h: breach, +4 h, +24 h
    events = tick(cases, T0 + 29 * HOUR)
    assert summary(events) == [("escalated", "first_contact", 4)]
    assert (events[0].detail["notify"], events[0].detail["from_level"]) == ("head_of_cx", 0)
    assert events[0].detail["due_at"] == (T0 + 28 * HOUR).isoformat()
    assert tick(cases, T0 + 30 * HOUR) == []


def test_catching_up_ends_where_ticking_every_hour_would_have() -> None:
    ladder = [
        EscalationStep(notify="lead"),
        EscalationStep(after=2 * HOUR, notify="manager"),
        EscalationStep(after=5 * HOUR, notify="head"),
    ]
    sla = PrioritySla(first_contact=10 * HOUR, resolve=100 * HOUR, ladder=ladder)
    policy = SlaPolicy(priorities={1: sla, 2: sla, 3: sla})
    hourly, once = {"case-1": case(priority=3)}, {"case-1": case(priority=3)}
    steps = [e for hour in range(1, 20) for e in tick(hourly, T0 + hour * HOUR, policy)]
    caught_up = tick(once, T0 + 19 * HOUR, policy)
    assert [level for _, _, level in summary(steps)] == [1, 2, 3, 4]
    assert summary(caught_up) == [("escalated", "first_contact", 4)]
    final = (once["case-1"].first_contact_level, once["case-1"].priority)
    assert final == (hourly["case-1"].first_contact_level, hourly["case-1"].priority) == (4, 1)


def test_a_p3_case_is_raised_by_one_per_ladder_step_crossed() -> None:
    ladder = [EscalationStep(notify="lead"), EscalationStep(after=HOUR, notify="manager")]
    sla = PrioritySla(first_contact=HOUR, resolve=100 * HOUR, ladder=ladder)
    policy = SlaPolicy(priorities={1: sla, 2: sla, 3: sla})
    cases = {"case-1": case(priority=3)}
    tick(cases, T0 + HOUR, policy)
    assert cases["case-1"].priority == 2
    tick(cases, T0 + 2 * HOUR, policy)
    assert cases["case-1"].priority == 1


def test_first_contact_stops_its_clock_and_the_resolve_clock_runs_on() -> None:
    contacted = acknowledge(case(priority=2), at=T0 + 2 * HOUR).case
    cases = {"case-1": contacted}
    assert tick(cases, T0 + 30 * HOUR) == []
    assert summary(tick(cases, T0 + 90 * HOUR)) == [("sla_warning", "resolve", 1)]
    assert summary(tick(cases, T0 + 120 * HOUR)) == [("escalated", "resolve", 2)]


def test_both_clocks_can_be_due_in_one_tick_and_apply_in_one_version() -> None:
    cases = {"case-1": case(priority=3)}
    events = tick(cases, T0 + 10 * 24 * HOUR)
    assert summary(events) == [("escalated", "first_contact", 2), ("escalated", "resolve", 2)]
    assert [e.detail["priority"] for e in events] == [2, 1]
    assert {e.version for e in events} == {cases["case-1"].version} == {2}


def test_resolved_and_merged_cases_have_nothing_due() -> None:
    done = resolve(case(), note="n", root_cause="r", recovered=None, at=T0 + HOUR).case
    other = replace(case(), case_id="case-2", person_id="p2")
    _, gone = merge(case(), other, at=T0 + HOUR)
    assert due([done, gone.case], T0 + 1000 * HOUR, policy=DEFAULT) == []


def test_a_due_computed_before_the_first_contact_changes_nothing_after_it() -> None:
    open_one = case(priority=2)
    stale = due([open_one], T0 + 19 * HOUR, policy=DEFAULT)
    contacted = acknowledge(open_one, at=T0 + 19 * HOUR).case
    assert not escalate(contacted, stale, at=T0 + 19 * HOUR).changed


def test_a_due_from_before_a_reopening_does_not_apply_to_the_new_cycle() -> None:
    late = case(priority=2)
    stale = due([late], T0 + 50 * HOUR, policy=DEFAULT)
    done = resolve(late, note="n", root_cause="r", recovered=None, at=T0 + 50 * HOUR).case
    again = reopen(done, reason="r", at=T0 + 51 * HOUR).case
    assert not escalate(again, stale, at=T0 + 51 * HOUR).changed
    assert again.first_contact_level == 0


def test_reopening_starts_the_clocks_and_their_levels_again() -> None:
    cases = {"case-1": case(priority=2)}
    tick(cases, T0 + 30 * HOUR)
    done = resolve(cases["case-1"], note="n", root_cause="r", recovered=None, at=T0 + 31 * HOUR)
    again = reopen(done.case, reason="r", at=T0 + 40 * HOUR).case
    cases["case-1"] = again
    assert tick(cases, T0 + 57 * HOUR) == []
    assert summary(tick(cases, T0 + 58 * HOUR)) == [("sla_warning", "first_contact", 1)]


def test_next_due_at_is_the_next_level_not_yet_recorded() -> None:
    cases = {"case-1": case(priority=2)}
    assert next_due_at(cases["case-1"], policy=DEFAULT) == T0 + 18 * HOUR
    tick(cases, T0 + 18 * HOUR)
    assert next_due_at(cases["case-1"], policy=DEFAULT) == T0 + 24 * HOUR
    done = resolve(cases["case-1"], note="n", root_cause="r", recovered=None, at=T0 + 19 * HOUR)
    assert next_due_at(done.case, policy=DEFAULT) is None


def test_without_warnings_the_first_level_due_is_the_breach() -> None:
    quiet = SlaPolicy(warning_ratio=None)
    events = tick({"case-1": case(priority=2)}, T0 + 23 * HOUR, quiet)
    assert events == []
    assert summary(tick({"case-1": case(priority=2)}, T0 + 24 * HOUR, quiet)) == [
        ("escalated", "first_contact", 2)
    ]


def test_the_outcome_says_whether_each_clock_stopped_in_time() -> None:
    early = acknowledge(case(priority=1), at=T0 + 3 * HOUR).case
    late = resolve(early, note="n", root_cause="r", recovered=None, at=T0 + 49 * HOUR).case
    assert outcome(early, policy=DEFAULT).first_contact is True
    assert outcome(early, policy=DEFAULT).resolve is None
    assert (outcome(late, policy=DEFAULT).first_contact, outcome(late, policy=DEFAULT).resolve) == (
        True,
        False,
    )
