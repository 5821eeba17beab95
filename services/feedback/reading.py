"""What the consumer needs of a text reader, and the reader it runs with until the FR/EN
classifier (``services/feedback/text/``) is wired in.

The consumer depends on this protocol only; ``__main__`` injects the reader. The classifier's
``TextReader`` has this shape, so swapping it in is one line there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from services.feedback.text.verdict import Language, TextVerdict

UNREAD = "none"  # the classifier_version of verdicts that read nothing


class TextReader(Protocol):
    def read(self, text: str, *, language: Language | None = None) -> TextVerdict: ...

    def read_many(
        self, texts: Sequence[str], *, languages: Sequence[Language | None] | None = None
    ) -> list[TextVerdict]:
        """One verdict per text, in order; ``languages`` are hints (None: detect)."""
        ...


class NeutralReader:
    """Reads nothing: every text is neutral, with no confidence, no themes or intents, classifier
    version ``none``, in the language hinted (as the classifier does), else ``unknown``. Scores
    alone decide negativity meanwhile; stored responses say which verdicts were not read, so
    they can be read again later."""

    def read(self, text: str, *, language: Language | None = None) -> TextVerdict:
        return VERDICTS[language or "unknown"]

    def read_many(
        self, texts: Sequence[str], *, languages: Sequence[Language | None] | None = None
    ) -> list[TextVerdict]:
        hints = languages if languages is not None else [None] * len(texts)
        return [self.read(text, language=hint) for text, hint in zip(texts, hints, strict=True)]


VERDICTS: dict[Language, TextVerdict] = {
    language: TextVerdict(
        language=language, label="neutral", score=0.0, confidence=0.0, classifier_version=UNREAD
    )
    for language in ("fr", "en", "unknown")
}


def language_hint(declared: str | None) -> Language | None:
    """The declared language when the classifier knows it; otherwise let it detect."""
    if declared == "fr":
        return "fr"
    return "en" if declared == "en" else None
