"""The production reader on the bundled model: override, language, determinism, offline."""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any

import pytest

from services.feedback.text.embedding import E5Embedder
from services.feedback.text.language import LanguageDetector, load_identifier
from services.feedback.text.reader import TextReader
from services.feedback.text.settings import TextSettings
from tests.unit.feedback_text.conftest import Build, RememberingEmbedder


class FixedGuess:
    def __init__(self, language: str, probability: float) -> None:
        self.answer = (language, probability)

    def classify(self, text: str) -> tuple[str, float]:
        return self.answer


def test_a_strong_negative_intent_makes_a_happy_text_negative(reader: TextReader) -> None:
    # "An NPS 9 saying 'terrible support, I'm cancelling'" and praise with a double charge.
    for text in (
        "Love the product, but I'm cancelling my subscription",
        "Super appli mais vous m'avez débité deux fois",
    ):
        verdict = reader.read(text)
        assert verdict.label == "negative"
        assert verdict.score <= reader.settings.override_score
        assert verdict.confidence == 1.0


def test_a_contact_request_alone_does_not_make_a_text_negative(reader: TextReader) -> None:
    verdict = reader.read("Can someone call me about upgrading my plan?")
    assert verdict.intents == ("contact_request",)
    assert verdict.label != "negative"


@pytest.mark.parametrize(
    ("text", "language"),
    [("Livraison en retard, très déçu", "fr"), ("Delivery was late, very disappointed", "en")],
)
def test_language_label_and_themes_of_plain_complaints(
    reader: TextReader, text: str, language: str
) -> None:
    verdict = reader.read(text)
    assert (verdict.language, verdict.label, verdict.themes) == (
        language,
        "negative",
        ("delivery",),
    )


def test_short_texts_fall_back_on_words_and_a_given_language_wins(reader: TextReader) -> None:
    assert reader.read("ras").language == "fr"
    assert reader.read("Terrible.").language == "en"
    assert reader.read("ok", language="fr").language == "fr"
    assert reader.read("👍").language == "unknown"


def test_a_weak_model_guess_stands_only_above_the_guess_probability() -> None:
    assert LanguageDetector(FixedGuess("fr", 0.7)).detect("Top") == "fr"
    assert LanguageDetector(FixedGuess("fr", 0.55)).detect("Top") == "unknown"
    assert LanguageDetector(FixedGuess("fr", 0.55), default="en").detect("Top") == "en"


@pytest.mark.parametrize("text", ["", "   ", "\x00"])
def test_empty_text_is_neutral_without_confidence_or_model(reader: TextReader, text: str) -> None:
    verdict = reader.read(text)
    assert (verdict.label, verdict.score, verdict.confidence) == ("neutral", 0.0, 0.0)
    assert verdict.classifier_version == reader.classifier_version


def test_read_many_gives_what_read_gives_in_order(reader: TextReader) -> None:
    texts = ["pas mal du tout", "", "I want a refund", "pas mal du tout", "Service au top"]
    assert reader.read_many(texts) == [reader.read(t) for t in texts]


def test_long_texts_are_read_from_their_start(build: Build) -> None:
    reader = build(TextSettings(max_chars=40, memo_size=0))
    tail = " I'm cancelling my subscription"
    assert reader.read("The delivery was on time. " * 3 + tail).intents == ()


def test_the_same_text_gives_the_same_verdict_in_another_process(reader: TextReader) -> None:
    texts = ["Je vais résilier", "not bad at all", "Bof, pas convaincu", "Great app"]
    code = (
        "from services.feedback.text.reader import TextReader\n"
        f"print(repr(TextReader.load().read_many({texts!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == repr(reader.read_many(texts))


def test_loading_and_reading_need_no_network(
    monkeypatch: pytest.MonkeyPatch, embedder: RememberingEmbedder
) -> None:
    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("the text reader tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    # Both bundled models are loaded anew; known anchor vectors are reused to save time,
    # and the new text goes through the fresh engine.
    fresh = RememberingEmbedder(E5Embedder())
    fresh.vectors = dict(embedder.vectors)
    reader = TextReader(fresh, load_identifier(), TextSettings(memo_size=0))
    assert reader.read("Là je suis vraiment très déçu").label == "negative"


def test_the_version_changes_with_examples_band_or_taxonomy(
    reader: TextReader, build: Build
) -> None:
    versions = {
        reader.classifier_version,
        build(TextSettings(examples={"negative": ["Bof."]})).classifier_version,
        build(TextSettings(neutral_low=-0.2)).classifier_version,
        build(TextSettings(themes={})).classifier_version,
    }
    assert len(versions) == 4
    assert build(TextSettings()).classifier_version == reader.classifier_version


def test_settings_refuse_a_band_that_the_override_would_not_clear() -> None:
    with pytest.raises(ValueError, match="override_score < neutral_low"):
        TextSettings(override_score=-0.05, neutral_low=-0.1)
