"""Count deltas: a response adds to its segment; a move subtracts where it was counted."""

from __future__ import annotations

from datetime import date

from services.feedback.counting import Counted, Move, ResponseDeltas, ThemeDeltas, weekly_volumes

DAY = date(2026, 3, 2)


def test_a_response_adds_one_to_its_band_and_its_score_to_the_sum() -> None:
    deltas = ResponseDeltas()
    deltas.add(Counted(DAY, "nps", "detractor", 3), ("email", "spring"))
    deltas.add(Counted(DAY, "nps", "promoter", 10), ("email", "spring"))
    deltas.add(Counted(DAY, "feedback", None, None), ("", ""))
    assert deltas.nonzero() == {
        (DAY, "nps", "email", "spring"): [2, 1, 0, 1, 13],
        (DAY, "feedback", "", ""): [1, 0, 0, 0, 0],
    }


def test_a_move_there_and_back_cancels_out() -> None:
    deltas = ResponseDeltas()
    counted = Counted(DAY, "csat", "neutral", 3)
    deltas.move([Move("m1", counted, ("", ""), ("email", "spring"))])
    assert deltas.nonzero() == {
        (DAY, "csat", "", ""): [-1, 0, -1, 0, -3],
        (DAY, "csat", "email", "spring"): [1, 0, 1, 0, 3],
    }
    deltas.move([Move("m1", counted, ("email", "spring"), ("", ""))])
    assert deltas.nonzero() == {}


def test_themes_count_mentions_once_per_response() -> None:
    deltas = ThemeDeltas()
    deltas.add(["delivery", "delivery", "app"], DAY, negative=True, score=-0.5)
    deltas.add(["delivery"], DAY, negative=False, score=0.5)
    assert deltas.rows == {("delivery", DAY): [2, 1, 0.0], ("app", DAY): [1, 1, -0.5]}


def test_daily_volumes_sum_to_iso_weeks() -> None:
    assert weekly_volumes({date(2026, 3, 2): 3, date(2026, 3, 8): 4, date(2026, 3, 9): 1}) == {
        date(2026, 3, 2): 7,
        date(2026, 3, 9): 1,
    }
