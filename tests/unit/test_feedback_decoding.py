"""Raw events to feedback responses: the cheap pre-filter, bad feedback, NUL characters."""

from __future__ import annotations

import json

import pytest

from services.feedback.consumer.decoding import response_decoder
from services.feedback.instruments import Bands
from shared.errors import BadInput, BadRecord
from tests.factories import event
from tests.feedback import answer, page

DECODE = response_decoder(Bands())


def test_events_that_are_not_feedback_decode_to_nothing_without_a_full_decode() -> None:
    assert DECODE(page("a1").to_bytes()) is None
    assert DECODE(event(type="track", name="Order Completed").to_bytes()) is None
    # not a valid tracking event at all, but not feedback either: skipped, not refused
    assert DECODE(b'{"type": "track", "event": "Order Completed"}') is None


def test_feedback_events_decode_to_responses() -> None:
    response = DECODE(answer(score="7", comment="ok", user_id="u1").to_bytes())
    assert response is not None
    assert (response.instrument, response.score, response.band) == ("nps", 7, "passive")


def test_a_name_escaped_in_the_json_is_still_recognised() -> None:
    raw = json.loads(answer(score=2, user_id="u1").to_bytes())
    text = json.dumps(raw).replace("NPS Submitted", "NPS\\u0020Submitted")
    response = DECODE(text.encode())
    assert response is not None
    assert response.score == 2


def test_bad_feedback_is_refused_with_the_property_to_fix() -> None:
    with pytest.raises(BadInput, match=r"properties\.score must be a whole number from 0 to 10"):
        DECODE(answer(score=11, user_id="u1").to_bytes())


def test_bytes_that_are_not_json_are_a_bad_record() -> None:
    with pytest.raises(BadRecord, match="not a JSON event"):
        DECODE(b"\xff not json")


def test_a_nul_in_the_comment_is_replaced_and_the_response_kept() -> None:
    response = DECODE(answer(score=1, comment="late\x00again", user_id="u1").to_bytes())
    assert response is not None
    assert response.text == "late\ufffdagain"


def test_a_nul_in_an_identifier_is_refused() -> None:
    with pytest.raises(BadInput, match="NUL") as refused:
        DECODE(answer(score=1, user_id="u\x001").to_bytes())
    assert refused.value.code == "nul_character"
