"""The cases of a batch in memory, a case as a row and back, and where case events go."""

from __future__ import annotations

from datetime import timedelta

from services.feedback.case import Case, Signal
from services.feedback.case_rows import case_of, row_of, sla_deadline
from services.feedback.consumer.book import CaseBook
from services.feedback.lifecycle import acknowledge, open_case, resolve
from services.feedback.policy import FeedbackPolicy, Queue
from services.feedback.wire import CaseTopics, case_event_records, case_outputs
from tests.factories import T0

HOUR = timedelta(hours=1)
POLICY = FeedbackPolicy()


def opened(case_id: str, person: str, *, priority: int = 2, at_hours: float = 0) -> Case:
    signal = Signal(f"m-{case_id}", T0, priority, "support", f"NPS {case_id}")
    return open_case(case_id, signal, person_id=person, at=T0 + at_hours * HOUR).case


def test_absorbing_a_person_merges_active_cases_and_moves_the_rest() -> None:
    old = resolve(opened("c-old", "a"), note="n", root_cause="r", recovered=None, at=T0 + HOUR).case
    book = CaseBook.of([old, opened("c-a", "a", priority=1, at_hours=2), opened("c-b", "b")])
    book.absorb("a", "b", at=T0 + 3 * HOUR)
    cases = book.cases
    assert (cases["c-b"].status, cases["c-b"].priority) == ("open", 1)
    assert (cases["c-a"].status, cases["c-a"].merged_into) == ("merged", "c-b")
    assert cases["c-old"].person_id == "b"
    assert book.last_of("b") == cases["c-b"]
    assert book.last_of("a") is None
    assert [c.case_id for c in book.changed()] == ["c-a", "c-b", "c-old"]


def test_the_last_case_is_the_active_one_else_the_latest_resolved() -> None:
    first = resolve(opened("c1", "p"), note="n", root_cause="r", recovered=None, at=T0).case
    second = resolve(opened("c2", "p"), note="n", root_cause="r", recovered=None, at=T0 + HOUR).case
    book = CaseBook.of([first, second])
    assert book.last_of("p") == second
    book.apply(open_case("c3", Signal("m3", T0, 2, "support", "s"), person_id="p", at=T0))
    last = book.last_of("p")
    assert last is not None
    assert last.case_id == "c3"


def test_a_case_survives_the_round_trip_through_its_row() -> None:
    case = acknowledge(opened("c1", "p"), at=T0 + HOUR).case
    case = resolve(case, note="n", root_cause="r", recovered=True, at=T0 + 2 * HOUR, by="a").case
    row = row_of(case, policy=POLICY.sla)
    assert case_of(row) == case
    assert (row["contacted_in_time"], row["resolved_in_time"], row["next_due_at"]) == (
        True,
        True,
        None,
    )


def test_the_queue_deadline_is_the_first_running_clock() -> None:
    case = opened("c1", "p")  # P2: first contact 24 h, resolve 5 days
    assert sla_deadline(case, policy=POLICY.sla) == T0 + 24 * HOUR
    contacted = acknowledge(case, at=T0 + HOUR).case
    assert sla_deadline(contacted, policy=POLICY.sla) == T0 + 5 * 24 * HOUR


def test_queue_work_also_goes_to_the_queue_topic_and_everything_to_followups() -> None:
    case = opened("c1", "p")
    change = acknowledge(case, at=T0 + HOUR)
    first = open_case("c1", Signal("m", T0, 2, "support", "s"), person_id="p", at=T0)
    topics = CaseTopics(followups="f", queues={"support": Queue(topic="q")})
    out = case_outputs(case_event_records([first, change]), topics=topics)
    assert [(r.topic, r.key) for r in out] == [("f", "p"), ("q", "p"), ("f", "p")]
