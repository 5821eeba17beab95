"""French or English? py3langid restricted to the two, with a word-list fallback for short texts.

py3langid's naive Bayes model ships inside its wheel (no download). On one or two words it is
close to a coin toss ("ras" → en at 0.50, "Terrible." → fr at 0.61), so below
``min_probability`` the words that only one of the two languages uses decide; when they do not,
the model's guess stands if it reaches ``guess_probability``, else the text is ``default``
(``unknown`` unless configured).
"""

from __future__ import annotations

from typing import Protocol

from services.feedback.text.folding import fold, words
from services.feedback.text.verdict import Language


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words frequent in feedback and (after folding) used by one of the two languages only.
FRENCH_WORDS = _word_set(
    "je j'ai j'en j'etais c'est ca le la les des du un une et est pas ne n'est tres trop "
    "mais avec pour sans mon ma mes vous votre nous rien ras bof nul nulle merci bonjour "
    "commande livraison colis sav avis aucun jamais plus moins cher chere deja encore "
    "toujours bien mal fuyez genial super"
)
ENGLISH_WORDS = _word_set(
    "i i'm i've it it's the a an and is are was not no don't didn't can't won't my you your "
    "we very too but with for without nothing thanks thank please order delivery parcel "
    "never ever still again good bad great awful terrible poor meh ok okay cheers "
    "worst best love hate"
)


class Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


def load_identifier() -> Identifier:
    """py3langid's bundled model restricted to French and English (about 0.5 s, once)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(["fr", "en"])
    result: Identifier = identifier
    return result


class LanguageDetector:
    def __init__(
        self,
        identifier: Identifier,
        *,
        min_probability: float = 0.9,
        guess_probability: float = 0.6,
        default: Language = "unknown",
    ) -> None:
        self._identifier = identifier
        self._min_probability = min_probability
        self._guess_probability = guess_probability
        self._default: Language = default

    def detect(self, text: str) -> Language:
        if not any(ch.isalpha() for ch in text):
            return self._default
        guess, probability = self._identifier.classify(text)
        model: Language = "fr" if guess == "fr" else "en"
        if probability >= self._min_probability:
            return model
        # Short text: words only one language uses beat the model; a weak guess beats nothing.
        return by_words(fold(text)) or (
            model if probability >= self._guess_probability else self._default
        )


def by_words(folded: str) -> Language | None:
    """The language whose own words outnumber the other's in ``folded``, if one does."""
    tokens = words(folded)
    french = sum(token in FRENCH_WORDS for token in tokens)
    english = sum(token in ENGLISH_WORDS for token in tokens)
    if french == english:
        return None
    return "fr" if french > english else "en"
