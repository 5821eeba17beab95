"""Negativity: the score band first, the text able to make any response negative."""

from __future__ import annotations

import pytest

from services.feedback.instruments import Instrument
from services.feedback.negativity import assess, recovers
from services.feedback.policy import NegativityPolicy
from services.feedback.text.verdict import Intent, Label, Language
from tests.factories import feedback, verdict

POLICY = NegativityPolicy()


@pytest.mark.parametrize(
    ("text", "language", "intent"),
    [
        ("Super appli, mais je vais résilier mon abonnement", "fr", "churn"),
        ("Great app but you charged me twice", "en", "money"),
        ("Produit top, mais j'ai contacté mon avocat pour la livraison", "fr", "legal"),
        ("Love it, though the charger caught fire", "en", "safety"),
    ],
)
def test_a_critical_intent_makes_a_promoter_negative_in_both_languages(
    text: str, language: Language, intent: Intent
) -> None:
    response = feedback("nps", 10, text=text)
    reading = verdict("negative", language=language, confidence=0.4, intents=(intent,))
    negativity = assess(response, reading, policy=POLICY)
    assert negativity.negative
    assert negativity.cause == "intent"
    assert f"{intent} intent" in negativity.reasons


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "Service client odieux, plus jamais"), ("en", "Awful support, never again")],
)
def test_a_strongly_negative_text_makes_a_good_score_negative(
    language: Language, text: str
) -> None:
    good: list[tuple[Instrument, int]] = [("nps", 9), ("csat", 5), ("ces", 7), ("review", 5)]
    for instrument, score in good:
        response = feedback(instrument, score, text=text)
        strong = verdict("negative", language=language, confidence=0.85)
        negativity = assess(response, strong, policy=POLICY)
        assert (negativity.negative, negativity.cause) == (True, "text"), instrument
        assert negativity.reasons[0].startswith(f"strongly negative text ({language}")


def test_a_mildly_negative_text_leaves_a_good_score_alone() -> None:
    response = feedback("nps", 9, text="Bien, mais un peu lent")
    assert not assess(response, verdict(language="fr", confidence=0.5), policy=POLICY).negative


def test_without_a_strong_text_threshold_only_intents_override_good_scores() -> None:
    lenient = NegativityPolicy(strong_text_confidence=None)
    response = feedback("nps", 10, text="terrible")
    assert not assess(response, verdict(confidence=0.99), policy=lenient).negative
    churn = verdict(confidence=0.99, intents=("churn",))
    assert assess(response, churn, policy=lenient).negative


@pytest.mark.parametrize(
    ("instrument", "score"), [("nps", 7), ("nps", 8), ("csat", 3), ("ces", 4), ("review", 3)]
)
def test_a_negative_comment_makes_a_middling_score_negative(
    instrument: Instrument, score: int
) -> None:
    response = feedback(instrument, score, text="bof")
    low_confidence = verdict("negative", language="fr", confidence=0.2)
    assert assess(response, low_confidence, policy=POLICY).cause == "text"
    calm: tuple[Label, ...] = ("neutral", "positive")
    for label in calm:
        assert not assess(response, verdict(label), policy=POLICY).negative
    assert not assess(response, None, policy=POLICY).negative


def test_a_bad_score_is_negative_whatever_the_text_says() -> None:
    response = feedback("csat", 1, text="merci !")
    negativity = assess(response, verdict("positive", language="fr"), policy=POLICY)
    assert (negativity.negative, negativity.cause) == (True, "score")
    assert negativity.reasons == ("CSAT 1 (negative)",)


def test_free_text_is_what_the_classifier_says_except_on_complaint_channels() -> None:
    text = feedback("feedback", text="Colis jamais arrivé", channel="contact_form")
    assert assess(text, verdict(language="fr", confidence=0.3), policy=POLICY).negative
    assert not assess(text, verdict("neutral", language="fr"), policy=POLICY).negative
    assert not assess(text, None, policy=POLICY).negative
    complaint = feedback("feedback", text="Merci de me rembourser", channel="complaint")
    negativity = assess(complaint, verdict("neutral", language="fr"), policy=POLICY)
    assert (negativity.negative, negativity.cause) == (True, "channel")


def test_a_contact_request_needs_a_follow_up_even_from_a_promoter() -> None:
    response = feedback("nps", 10, text="Call me about an upgrade")
    asked = verdict("positive", intents=("contact_request",))
    assert assess(response, asked, policy=POLICY).cause == "intent"
    quiet = NegativityPolicy(case_intents=["churn"])
    assert not assess(response, asked, policy=quiet).negative


@pytest.mark.parametrize("instrument", ["spam_report", "unsubscribe"])
def test_email_signals_are_negative(instrument: Instrument) -> None:
    assert assess(feedback(instrument), None, policy=POLICY).cause == "signal"


@pytest.mark.parametrize(
    ("instrument", "score", "recovered"),
    [
        ("nps", 6, False),
        ("nps", 7, True),
        ("nps", 10, True),
        ("csat", 3, False),
        ("csat", 4, True),
        ("ces", 4, False),
        ("ces", 5, True),
        ("review", 4, True),
    ],
)
def test_recovery_needs_a_score_at_or_above_the_recovery_cut(
    instrument: Instrument, score: int, recovered: bool
) -> None:
    response = feedback(instrument, score)
    negativity = assess(response, None, policy=POLICY)
    assert recovers(response, negativity, policy=POLICY) is recovered


def test_a_good_score_with_a_churn_intent_is_no_recovery_and_free_text_never_is() -> None:
    response = feedback("nps", 9, text="fine, but I'm cancelling")
    churn = assess(response, verdict(intents=("churn",)), policy=POLICY)
    assert not recovers(response, churn, policy=POLICY)
    text = feedback("feedback", text="merci, tout est réglé")
    happy = assess(text, verdict("positive", language="fr"), policy=POLICY)
    assert not recovers(text, happy, policy=POLICY)
