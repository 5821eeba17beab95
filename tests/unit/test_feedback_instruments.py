"""Feedback instruments: which events are feedback, and how their properties are read."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.feedback.instruments import Bands, Cuts, Response, response_of
from shared.errors import BadInput
from shared.events import TrackingEvent
from tests.factories import event

BANDS = Bands()


def track(name: str, traffic: str = "direct", **properties: Any) -> TrackingEvent:
    """A track event; ``traffic`` is the event's channel, ``channel`` a property."""
    return event(type="track", name=name, user_id="u1", properties=properties, channel=traffic)


def read(name: str, **properties: Any) -> Response:
    response = response_of(track(name, **properties), bands=BANDS)
    assert response is not None
    return response


@pytest.mark.parametrize(
    ("name", "score", "band"),
    [
        ("NPS Submitted", 0, "detractor"),
        ("NPS Submitted", 6, "detractor"),
        ("NPS Submitted", 7, "passive"),
        ("NPS Submitted", 8, "passive"),
        ("NPS Submitted", 9, "promoter"),
        ("NPS Submitted", 10, "promoter"),
        ("CSAT Submitted", 2, "negative"),
        ("CSAT Submitted", 3, "neutral"),
        ("CSAT Submitted", 4, "positive"),
        ("CES Submitted", 3, "negative"),
        ("CES Submitted", 4, "neutral"),
        ("CES Submitted", 5, "positive"),
        ("Review Submitted", 1, "negative"),
        ("Review Submitted", 3, "neutral"),
        ("Review Submitted", 5, "positive"),
    ],
)
def test_every_scored_response_is_kept_with_its_band(name: str, score: int, band: str) -> None:
    response = read(name, score=score)
    assert (response.score, response.band) == (score, band)


@pytest.mark.parametrize("raw", ["7", " 7 ", "7.0", 7.0])
def test_scores_sent_as_numeric_strings_or_integral_floats_are_read(raw: object) -> None:
    assert read("NPS Submitted", score=raw).score == 7


def test_rating_and_text_are_the_alternative_property_names() -> None:
    response = read("CSAT Submitted", rating="2", text=" rude staff ")
    assert (response.score, response.text, response.scale) == (2, "rude staff", (1, 5))


@pytest.mark.parametrize(
    ("name", "properties", "field", "bound"),
    [
        ("NPS Submitted", {"score": 11}, "properties.score", "from 0 to 10"),
        ("NPS Submitted", {"score": -1}, "properties.score", "from 0 to 10"),
        ("CSAT Submitted", {"rating": 0}, "properties.rating", "from 1 to 5"),
        ("CES Submitted", {"score": "8"}, "properties.score", "from 1 to 7"),
        ("Review Submitted", {"rating": 6}, "properties.rating", "from 1 to 5"),
    ],
)
def test_out_of_range_scores_are_bad_input_naming_the_property(
    name: str, properties: dict[str, Any], field: str, bound: str
) -> None:
    with pytest.raises(BadInput) as caught:
        response_of(track(name, **properties), bands=BANDS)
    assert caught.value.field == field
    assert caught.value.code == "score_out_of_range"
    assert field in caught.value.message
    assert bound in caught.value.message


@pytest.mark.parametrize("raw", ["great", "4,5", 4.5, True, "nan", [3], {"v": 3}])
def test_scores_that_are_not_whole_numbers_are_bad_input(raw: object) -> None:
    with pytest.raises(BadInput) as caught:
        response_of(track("NPS Submitted", score=raw), bands=BANDS)
    assert (caught.value.field, caught.value.code) == ("properties.score", "invalid_score")
    assert repr(raw) in caught.value.message


def test_a_missing_score_is_bad_input() -> None:
    with pytest.raises(BadInput) as caught:
        response_of(track("CES Submitted", comment="hard"), bands=BANDS)
    assert (caught.value.field, caught.value.code) == ("properties.score", "missing_score")


def test_free_text_feedback_needs_text() -> None:
    with pytest.raises(BadInput) as caught:
        response_of(track("Feedback Submitted", text="  "), bands=BANDS)
    assert caught.value.field == "properties.text"


def test_free_text_feedback_keeps_its_channel_and_has_no_band() -> None:
    response = read("Feedback Submitted", text="Où est ma commande ?", channel="Support_Chat")
    assert (response.instrument, response.score, response.band) == ("feedback", None, None)
    assert (response.channel, response.text) == ("support_chat", "Où est ma commande ?")


def test_offline_imports_default_to_the_offline_channel_and_web_events_to_web() -> None:
    offline = response_of(track("Feedback Submitted", "offline", note="x", text="y"), bands=BANDS)
    web = read("NPS Submitted", score=9)
    assert offline is not None
    assert (offline.channel, web.channel) == ("offline", "web")


def test_reviews_are_public_unless_marked_private_and_surveys_private_unless_marked() -> None:
    assert read("Review Submitted", rating=1).public
    assert not read("Review Submitted", rating=1, public=False).public
    assert not read("NPS Submitted", score=1).public
    assert read("Feedback Submitted", text="bad", public=True).public


def test_segment_product_reviewed_is_a_review_with_its_body() -> None:
    response = read("Product Reviewed", rating=2, review_body="broke in a week", source="shop")
    assert (response.instrument, response.score, response.text) == ("review", 2, "broke in a week")
    assert response.source == "shop"


def test_email_signals_are_negative_responses_on_the_email_channel() -> None:
    spam, unsubscribe = read("Email Marked as Spam"), read("Unsubscribed")
    assert (spam.instrument, spam.band, spam.channel) == ("spam_report", "negative", "email")
    assert (unsubscribe.instrument, unsubscribe.polarity) == ("unsubscribe", "negative")


@pytest.mark.parametrize("name", ["Order Completed", "Email Opened", "NPS Viewed"])
def test_other_track_events_are_not_feedback(name: str) -> None:
    assert response_of(track(name, score=1), bands=BANDS) is None


def test_pages_are_not_feedback_even_when_named_like_it() -> None:
    page = event(type="page", name="NPS Submitted", properties={"score": 1})
    assert response_of(page, bands=BANDS) is None


def test_identifiers_follow_the_sessionizer_order_and_survey_context_is_kept() -> None:
    base = track("NPS Submitted", score=3, survey_id="Q2-Relationship", case_id="case-1A")
    sent = base.model_copy(update={"identities": {"hubspot_contact": "42", "email": "ab"}})
    response = response_of(sent, bands=BANDS)
    assert response is not None
    assert response.identifiers == ("u1", "anon-1", "email:ab", "hubspot_contact:42")
    assert (response.survey_id, response.case_id) == ("Q2-Relationship", "case-1A")
    assert (response.message_id, response.occurred_at) == (sent.message_id, sent.timestamp)


def test_bands_are_configurable_like_zendesk_counting_csat_3_as_bad() -> None:
    zendesk = Bands(csat=Cuts(negative_max=3, positive_min=4, recovered_min=4))
    response = response_of(track("CSAT Submitted", score=3), bands=zendesk)
    assert response is not None
    assert response.band == "negative"


@pytest.mark.parametrize(
    "cuts",
    [
        {"negative_max": 5, "positive_min": 5, "recovered_min": 6},
        {"negative_max": 2, "positive_min": 4, "recovered_min": 2},
    ],
)
def test_inconsistent_cuts_are_refused(cuts: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        Cuts(**cuts)


def test_cuts_outside_the_scale_are_refused() -> None:
    with pytest.raises(ValidationError, match="ces bands must lie within its scale 1-7"):
        Bands(ces=Cuts(negative_max=3, positive_min=8, recovered_min=8))


def test_the_declared_language_is_reduced_to_its_primary_subtag() -> None:
    assert read("NPS Submitted", score=3, language="fr-FR").language == "fr"
    localised = track("NPS Submitted", score=3).model_copy(update={"context": {"locale": "en_GB"}})
    response = response_of(localised, bands=BANDS)
    assert response is not None
    assert response.language == "en"
    assert read("NPS Submitted", score=3).language is None
