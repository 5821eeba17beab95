"""Stored state against fresh plans: only differences are written, aggregates move by them."""

from __future__ import annotations

from decimal import Decimal

from services.attribution.diffs import Stored, StoredPerson, changes_of
from services.attribution.journeys import Outcome, TouchView
from services.attribution.person import PersonInput, PersonPlan, plan_person
from tests.attribution_fixtures import at, options

LINEUP = options(models=["last_touch", "linear", "markov"]).lineup()
EMPTY = Stored(lines={}, persons={}, credit_versions={}, outcomes={})


def plan(*touches: tuple[str, float, str], revenue: str = "60") -> PersonPlan:
    views = [TouchView(t, "p", at(d), c, None, None, None, "session") for t, d, c in touches]
    outcome = Outcome("o", "p", at(5), "purchase", Decimal(revenue), "EUR", None, True, ("c",))
    return plan_person(PersonInput("p", views, [outcome]), lineup=LINEUP, fits={}, now=at(10))


def stored_after(plan_: PersonPlan) -> Stored:
    """What the repository would read back after writing ``plan_``'s changes."""
    changes = changes_of(EMPTY, [plan_])
    lines: dict[tuple[str, str], list] = {}  # type: ignore[type-arg]
    for line in changes.inserted:
        lines.setdefault(line.group, []).append(line)
    return Stored(
        lines=lines,
        persons={"p": StoredPerson(plan_.contribution, frozenset(plan_.reach), plan_.null_due)},
        credit_versions={"o": 1},
        outcomes={state.outcome.outcome_id: state for state in plan_.outcomes},
    )


def test_recomputing_an_unchanged_person_changes_nothing() -> None:
    first = plan(("a", 0, "email"), ("b", 2, "search"))
    changes = changes_of(stored_after(first), [first])
    assert (changes.replaced, changes.emitted, changes.totals, changes.counts) == ([], [], {}, {})
    assert (changes.reach, changes.outcomes, changes.persons) == ({}, [], [])


def test_a_new_touch_restates_the_groups_it_changes_and_moves_the_totals_by_the_difference() -> (
    None
):
    before = plan(("a", 0, "email"))
    after = plan(("a", 0, "email"), ("b", 2, "search"))
    changes = changes_of(stored_after(before), [after])
    assert sorted(model for _, model in changes.replaced) == ["last_touch", "linear", "markov"]
    totals = changes.totals
    assert totals[("last_touch", "channel", "email", at(5).date(), "purchase", "EUR")] == (
        Decimal(-1),
        Decimal(-60),
    )
    assert totals[("linear", "channel", "search", at(5).date(), "purchase", "EUR")] == (
        Decimal("0.5"),
        Decimal("30"),
    )
    retracted = [e for e in changes.emitted if e.retracted]
    assert [(e.line.model, e.line.touchpoint_id) for e in retracted] == [("last_touch", "a")]
    assert {e.version for e in changes.emitted} == {2}
    assert [version for _, version in changes.outcomes] == [2]


def test_fitted_counts_move_by_the_difference_of_the_persons_contributions() -> None:
    before = plan(("a", 0, "email"))
    after = plan(("a", 0, "search"))
    counts = changes_of(stored_after(before), [after]).counts
    markov_key = LINEUP.keys["markov"]
    assert counts[(markov_key, "(start)\x1femail")] == (-1, 0)
    assert counts[(markov_key, "(start)\x1fsearch")] == (1, 0)
