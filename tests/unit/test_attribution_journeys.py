"""Outcomes (deals keyed by the deal), paths, non-converting windows and CRM stage times."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from services.attribution.journeys import (
    ConversionView,
    TouchView,
    eligible,
    null_windows,
    outcome_id_of,
    outcomes_of,
    stage_times,
)
from tests.attribution_fixtures import at

WON = frozenset({"won"})
DAY = timedelta(days=1)


def view(cid: str, days: float, *, deal: str | None = None, revenue: str = "10") -> ConversionView:
    stage = "won" if deal else "purchase"
    return ConversionView(cid, "p", at(days), stage, Decimal(revenue), "EUR", deal)


def touch(tid: str, days: float) -> TouchView:
    return TouchView(tid, "p", at(days), "email", None, None, None, "session")


def test_a_purchase_is_its_own_outcome_and_a_deal_is_keyed_by_the_deal() -> None:
    purchase, won = view("c1", 1), view("c2", 2, deal="hubspot:42")
    assert outcome_id_of(purchase, deal_stages=WON) == "c1"
    assert outcome_id_of(won, deal_stages=WON) != "c2"
    again = view("c3", 5, deal="hubspot:42")
    assert outcome_id_of(won, deal_stages=WON) == outcome_id_of(again, deal_stages=WON)


def test_a_deal_won_twice_is_one_outcome_dated_by_its_close_valued_at_its_latest_amount() -> None:
    [outcome] = outcomes_of(
        [view("c1", 1, deal="crm:7", revenue="100"), view("c2", 4, deal="crm:7", revenue="130")],
        losses={},
        deal_stages=WON,
    )
    assert (outcome.at, outcome.revenue, outcome.credited) == (at(1), Decimal(130), True)
    assert outcome.conversion_ids == ("c1", "c2")


def test_a_deal_lost_after_every_won_event_is_not_credited_and_a_later_win_credits_it() -> None:
    won = view("c1", 1, deal="crm:7")
    [lost] = outcomes_of([won], losses={"crm:7": at(2)}, deal_stages=WON)
    assert not lost.credited
    rewon = view("c2", 3, deal="crm:7", revenue="80")
    [back] = outcomes_of([won, rewon], losses={"crm:7": at(2)}, deal_stages=WON)
    assert (back.credited, back.at, back.revenue) == (True, at(3), Decimal(80))


def test_the_path_is_the_lookback_window_ending_at_the_conversion() -> None:
    touches = [touch("old", -40), touch("a", -10), touch("b", 0), touch("after", 1)]
    assert [t.touchpoint_id for t in eligible(touches, at=at(0), lookback=30 * DAY)] == ["a", "b"]


def test_unclaimed_touches_make_windows_that_turn_null_once_no_conversion_can_claim_them() -> None:
    touches = [touch("a", 0), touch("b", 10), touch("c", 35), touch("d", 90)]
    windows = null_windows(touches, lookback=30 * DAY, now=at(60))
    assert [[t.touchpoint_id for t in w] for w in windows.final] == [["a", "b"]]
    # c's window closes 30 days after c; d's after d: the earliest of them is due first.
    assert windows.due == at(65)
    later = null_windows(touches, lookback=30 * DAY, now=at(200))
    assert [[t.touchpoint_id for t in w] for w in later.final] == [["a", "b"], ["c"], ["d"]]
    assert later.due is None


def test_a_window_is_pending_while_a_conversion_at_now_could_still_claim_its_last_touch() -> None:
    windows = null_windows([touch("a", 0)], lookback=30 * DAY, now=at(30))
    assert (windows.final, windows.due) == ([], at(30))


def test_stage_times_are_the_first_lead_and_the_latest_opportunity_before_the_conversion() -> None:
    stages = [("lead", at(1)), ("lead", at(3)), ("opportunity", at(4)), ("opportunity", at(6))]
    assert stage_times(stages, at=at(5)) == (at(1), at(4))
    assert stage_times(stages, at=at(0)) == (None, None)
