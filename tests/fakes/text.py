"""A text reader for tests: fixed keyword rules, so a test can say what a comment will be read
as. It stands in for the FR/EN classifier (services/feedback/text/) behind the consumer's
``TextReader`` protocol; it is not a classifier and nothing in the service uses it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services.feedback.text.verdict import Intent, Label, Language, TextVerdict

VERSION = "keyword-fake-1"
INTENTS: dict[str, Intent] = {
    "résilie": "churn",
    "cancelling": "churn",
    "cancel": "churn",
    "avocat": "legal",
    "lawyer": "legal",
    "charged twice": "money",
    "remboursement": "money",
    "call me": "contact_request",
    "rappelez-moi": "contact_request",
}
THEMES = {
    "late": "delivery",
    "retard": "delivery",
    "delivery": "delivery",
    "livraison": "delivery",
    "invoice": "billing",
    "facture": "billing",
    "app": "app",
    "appli": "app",
}
NEGATIVE = ("late", "retard", "broken", "cassé", "awful", "nul", "horrible", "never again")
POSITIVE = ("great", "super", "love", "génial", "merci", "thanks")
FRENCH = ("appli", "je ", "mais", "retard", "livraison", "facture", "merci", "très", "nul")


@dataclass
class KeywordReader:
    """Intents and themes from fixed phrases, the label from fixed words, the language from a
    few French words; ``read_many`` calls are recorded, to check the consumer batches them."""

    calls: list[int] = field(default_factory=list)

    def read(self, text: str, *, language: Language | None = None) -> TextVerdict:
        folded = text.lower()
        intents = tuple(dict.fromkeys(i for word, i in INTENTS.items() if word in folded))
        themes = tuple(dict.fromkeys(t for word, t in THEMES.items() if word in folded))
        label: Label = "neutral"
        if intents or any(word in folded for word in NEGATIVE):
            label = "negative"
        elif any(word in folded for word in POSITIVE):
            label = "positive"
        score = {"negative": -0.9, "neutral": 0.0, "positive": 0.8}[label]
        detected: Language = "fr" if any(word in folded for word in FRENCH) else "en"
        return TextVerdict(
            language=language or detected,
            label=label,
            score=score,
            confidence=abs(score),
            themes=themes,
            intents=intents,
            classifier_version=VERSION,
        )

    def read_many(
        self, texts: Sequence[str], *, languages: Sequence[Language | None] | None = None
    ) -> list[TextVerdict]:
        self.calls.append(len(texts))
        hints = languages if languages is not None else [None] * len(texts)
        return [self.read(text, language=hint) for text, hint in zip(texts, hints, strict=True)]
