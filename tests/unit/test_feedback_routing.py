import pytest

from services.feedback.routing import negative_signal, nps_score, priority_for
from tests.factories import event


@pytest.mark.parametrize(("score", "priority"), [(0, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3)])
def test_lower_scores_are_more_urgent(score: int, priority: int) -> None:
    assert priority_for(score) == priority


@pytest.mark.parametrize(
    ("raw", "score"),
    [(3, 3), ("7", 7), (6.0, 6), (11, None), (-1, None), (True, None), ("bad", None), (None, None)],
)
def test_scores_are_read_strictly(raw: object, score: int | None) -> None:
    assert nps_score(raw) == score


def test_a_detractor_is_negative_with_reason_and_priority() -> None:
    signal = negative_signal(
        event(
            type="track",
            name="NPS Submitted",
            user_id="u1",
            properties={"score": 3, "comment": " slow delivery "},
        )
    )
    assert signal is not None
    assert (signal.person_id, signal.priority, signal.reason) == ("u1", 2, "NPS 3: slow delivery")


@pytest.mark.parametrize("score", [7, 9, 10, "x"])
def test_passives_promoters_and_garbage_are_not_negative(score: object) -> None:
    assert (
        negative_signal(event(type="track", name="NPS Submitted", properties={"score": score}))
        is None
    )


def test_without_user_id_the_device_is_the_person() -> None:
    signal = negative_signal(event(type="track", name="NPS Submitted", properties={"score": 0}))
    assert signal is not None
    assert signal.person_id == "anon-1"
