"""The deterministic parts: folding, intents, themes, idioms. Plain strings, no model."""

from __future__ import annotations

import pytest

from services.feedback.text.folding import clean, fold
from services.feedback.text.idioms import Idioms
from services.feedback.text.intents import IntentRules
from services.feedback.text.themes import ThemeFinder, ThemePhrases

RULES = IntentRules()


def intents(text: str) -> tuple[str, ...]:
    return RULES.find(fold(text))


def test_folding_removes_accents_case_curly_apostrophes_and_stretching() -> None:
    assert fold("  Je vais RÉSILIER l\u2019abonnement, c\u2019est NUUUUL  ") == (
        "je vais resilier l'abonnement, c'est nuul"
    )
    assert fold("Œuvre") == "oeuvre"


def test_cleaning_drops_nul_and_lone_surrogates() -> None:
    assert clean("a\x00b \ud800 ") == "a b ?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Terrible support, I'm cancelling my subscription.", ("churn",)),
        ("Je vais résilier mon abonnement", ("churn",)),
        ("je vais RESILIER", ("churn",)),
        ("Impossible de résilier en ligne !", ("churn",)),
        ("I can't cancel my account online", ("churn",)),
        ("Je passe chez un concurrent", ("churn",)),
        ("I'll be contacting my lawyer", ("legal",)),
        ("Je vais porter plainte et saisir la DGCCRF", ("legal",)),
        ("You charged me twice, I want a refund", ("money",)),
        ("Débité deux fois, remboursez-moi", ("money",)),
        ("C'est une arnaque", ("money",)),
        ("The charger caught fire", ("safety",)),
        ("Le grille-pain a pris feu, c'est dangereux", ("safety",)),
        ("Please call me back", ("contact_request",)),
        ("Merci de me rappeler", ("contact_request",)),
        ("Cliente demande à être rappelée", ("contact_request",)),
        (
            "I'm cancelling and calling my lawyer, call me back",
            ("churn", "legal", "contact_request"),
        ),
    ],
)
def test_intents_are_found_in_both_languages_with_or_without_accents(
    text: str, expected: tuple[str, ...]
) -> None:
    assert intents(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm not going to cancel after all",
        "Je ne vais pas résilier finalement",
        "Pas question de résilier, tout va bien",
        "Please don't call me, email is fine",
        "Ne m'appelez pas",
        "No need to call me back",
        "Pas besoin de me rappeler",
    ],
)
def test_a_negated_intent_is_no_intent(text: str) -> None:
    assert intents(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for the quick refund",
        "Merci pour le remboursement rapide",
        "I'm leaving a review because it is great",
        "Je m'appelle Marie",
        "Franchement aucune plainte",
        "Plus jamais de souci depuis la mise à jour",
        "The support team promised a callback",
    ],
)
def test_words_of_an_intent_outside_its_phrases_raise_nothing(text: str) -> None:
    assert intents(text) == ()


def test_a_negation_in_another_clause_does_not_take_the_intent_back() -> None:
    assert intents("Not happy, I'm cancelling my subscription") == ("churn",)


def test_default_themes_are_found_in_french_and_english() -> None:
    finder = ThemeFinder()
    assert finder.find(fold("Livraison en retard et SAV injoignable")) == ("delivery", "support")
    assert finder.find(fold("The invoice is wrong and the app crashes")) == (
        "billing",
        "website_app",
    )
    assert {"delivery", "price", "product_quality", "support", "billing", "website_app"} <= set(
        finder.themes
    )


def test_a_configured_taxonomy_replaces_the_default_and_stars_match_word_starts() -> None:
    finder = ThemeFinder({"loyalty": ThemePhrases(fr=["fidélit*"], en=["loyalty card"])})
    assert finder.themes == ("loyalty",)
    assert finder.find(fold("Ma carte de FIDELITE ne marche pas")) == ("loyalty",)
    assert finder.find(fold("my loyalty card")) == ("loyalty",)
    assert finder.find(fold("loyalty cards")) == ()  # whole words without a star


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("Pas mal du tout !", 1),
        ("not bad at all", 1),
        ("Jamais eu le moindre problème", 1),
        ("c'est pas terrible", -1),
        ("je ne suis pas satisfait", -1),
        ("not great", -1),
        ("Bien reçu", 0),
    ],
)
def test_negated_idioms_move_the_score_towards_their_side(text: str, direction: int) -> None:
    assert Idioms(shift=0.3).adjust(fold(text), 0.0) == pytest.approx(0.3 * direction)


def test_idioms_keep_the_score_within_bounds() -> None:
    assert Idioms(shift=0.5).adjust(fold("pas mal du tout"), 0.9) == 1.0
