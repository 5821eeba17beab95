"""One person's credits, fitted contributions and reach, computed from their journey alone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.attribution.journeys import Outcome, TouchView
from services.attribution.lines import CHANNEL_SET_SEPARATOR, CreditLine, FitView
from services.attribution.lineup import Lineup
from services.attribution.models import ChannelFit, Tally, markov_counts
from services.attribution.person import ANY_STAGE, TOUCHED, PersonInput, plan_person
from tests.attribution_fixtures import at, options

LINEUP: Lineup = options().lineup()


def touch(tid: str, days: float, channel: str, *, kind: str = "session") -> TouchView:
    return TouchView(tid, "p", at(days), channel, "src", "med", f"camp-{channel}", kind)


def outcome(days: float, *, stage: str = "purchase", credited: bool = True) -> Outcome:
    return Outcome("o1", "p", at(days), stage, Decimal("99.99"), "EUR", None, credited, ("c1",))


JOURNEY = [touch("a", 0, "paid_search"), touch("b", 2, "email"), touch("c", 4, "direct")]


def test_every_model_credits_each_conversion_exactly_one_and_its_revenue() -> None:
    plan = plan_person(PersonInput("p", JOURNEY, [outcome(5)]), lineup=LINEUP, fits={}, now=at(9))
    assert {line.model for line in plan.lines} == set(LINEUP.names)
    for model in LINEUP.names:
        lines = [line for line in plan.lines if line.model == model]
        assert sum(line.weight for line in lines) == Decimal(1), model
        assert sum(line.revenue for line in lines) == Decimal("99.99"), model


def test_crm_stage_touchpoints_are_milestones_never_credited_and_move_the_w_shaped_weights() -> (
    None
):
    lead = touch("lead", 1, "crm", kind="Lead Created")
    opportunity = touch("opp", 3, "crm", kind="Opportunity Created")
    plain = plan_person(PersonInput("p", JOURNEY, [outcome(5)]), lineup=LINEUP, fits={}, now=at(9))
    staged = plan_person(
        PersonInput("p", [*JOURNEY, lead, opportunity], [outcome(5, stage="won")]),
        lineup=LINEUP,
        fits={},
        now=at(9),
    )
    assert all(line.channel != "crm" for line in staged.lines)
    assert all(line.touchpoint_id not in ("lead", "opp") for line in staged.lines)

    def weights(plan_lines: list[CreditLine], model: str) -> dict[str, Decimal]:
        return {ln.touchpoint_id: ln.weight for ln in plan_lines if ln.model == model}

    # Lead at day 1 → LC is touch a (with FT: 60 %); opportunity at day 3 → OC is touch b;
    # the W closes at OC, so c gets nothing.
    assert weights(staged.lines, "w_shaped") == {"a": Decimal("0.666667"), "b": Decimal("0.333333")}
    assert weights(plain.lines, "w_shaped") != weights(staged.lines, "w_shaped")


def test_a_conversion_without_touches_is_credited_whole_to_none_under_every_model() -> None:
    plan = plan_person(PersonInput("p", [], [outcome(5)]), lineup=LINEUP, fits={}, now=at(9))
    assert {(line.channel, line.weight, line.touchpoint_id) for line in plan.lines} == {
        ("(none)", Decimal(1), "")
    }


def test_fitted_contributions_are_the_counts_of_the_persons_converting_and_null_paths() -> None:
    touches = [*JOURNEY, touch("d", 50, "display"), touch("e", 51, "email")]
    plan = plan_person(PersonInput("p", touches, [outcome(5)]), lineup=LINEUP, fits={}, now=at(200))
    [markov] = [entry for entry in LINEUP.fitted if entry.name == "markov"]
    expected = markov_counts(
        [
            (["paid_search", "email", "direct"], Tally(conversions=1.0)),
            (["display", "email"], Tally(nulls=1.0)),
        ]
    )
    assert plan.contribution[markov.key] == {
        CHANNEL_SET_SEPARATOR.join(key): (round(t.conversions), round(t.nulls))
        for key, t in expected.items()
    }
    assert plan.null_due is None


def test_reach_counts_each_group_once_on_the_day_it_first_touched_and_the_stages_it_led_to() -> (
    None
):
    touches = [touch("a", 0, "email"), touch("b", 3, "email"), touch("c", 40, "display")]
    plan = plan_person(PersonInput("p", touches, [outcome(5)]), lineup=LINEUP, fits={}, now=at(9))
    email = {key for key in plan.reach if key[:2] == ("channel", "email")}
    assert email == {
        ("channel", "email", at(0).date(), TOUCHED),
        ("channel", "email", at(0).date(), "purchase"),
        ("channel", "email", at(0).date(), ANY_STAGE),
    }
    display = {key for key in plan.reach if key[:2] == ("channel", "display")}
    assert display == {("channel", "display", at(40).date(), TOUCHED)}
    assert plan.null_due == at(70)  # c is pending for one lookback


def test_a_fitted_model_weighs_with_the_current_fit_and_records_it() -> None:
    fit = ChannelFit(
        scores={"paid_search": 3.0, "email": 1.0}, value_scores={}, conversions=1, value=0
    )
    [markov] = [e for e in LINEUP.fitted if e.name == "markov"]
    plan = plan_person(
        PersonInput("p", JOURNEY[:2], [outcome(5)]),
        lineup=LINEUP,
        fits={"markov": FitView("fit-1", fit)},
        now=at(9),
    )
    lines = {ln.touchpoint_id: ln for ln in plan.lines if ln.model == markov.name}
    assert (lines["a"].weight, lines["b"].weight) == (Decimal("0.75"), Decimal("0.25"))
    assert {ln.fit_id for ln in lines.values()} == {"fit-1"}


@pytest.mark.parametrize("credited", [True, False])
def test_a_lost_deal_claims_no_touches_so_its_path_becomes_non_converting(credited: bool) -> None:
    plan = plan_person(
        PersonInput("p", JOURNEY, [outcome(5, stage="won", credited=credited)]),
        lineup=LINEUP,
        fits={},
        now=at(200),
    )
    [shapley] = [e for e in LINEUP.fitted if e.name == "shapley"]
    counts = plan.contribution[shapley.key]
    key = CHANNEL_SET_SEPARATOR.join(sorted(["paid_search", "email", "direct"]))
    assert counts == {key: (1, 0) if credited else (0, 1)}
    assert bool(plan.lines) is credited
    assert len(plan.outcomes) == 1
