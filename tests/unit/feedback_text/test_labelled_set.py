"""Quality gate: the chosen reader on the held-out lines of the labelled FR/EN set.

The floors sit a few points under what was measured when the reader was chosen (README,
"Feedback text classification"): a regression of the model, the anchors or the rules fails
here; a better reader passes and may raise them.
"""

from __future__ import annotations

import pytest

from bench.feedback_text.scoring import Line, accuracy, load, per_language, set_scores
from services.feedback.text.reader import TextReader

HELD_OUT = [line for line in load() if line.split == "test"]
# (negative precision, negative recall, accuracy); measured en 0.95/1.00/0.907, fr 0.89/0.85/0.791
FLOORS = {"en": (0.90, 0.95, 0.85), "fr": (0.84, 0.80, 0.74)}


def test_the_set_is_big_enough_and_balanced() -> None:
    lines = load()
    assert len(lines) >= 200
    french = sum(line.language == "fr" for line in lines)
    assert abs(2 * french - len(lines)) <= 0.1 * len(lines)
    assert {line.label for line in lines} == {"negative", "neutral", "positive"}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_negative_precision_recall_and_accuracy_stay_above_their_floors(
    reader: TextReader, language: str
) -> None:
    lines = [line for line in HELD_OUT if line.language == language]
    labels = [v.label for v in reader.read_many([line.text for line in lines])]
    negative = per_language(lines, labels, label="negative")[language]
    floor_p, floor_r, floor_acc = FLOORS[language]
    assert negative.precision >= floor_p
    assert negative.recall >= floor_r
    assert accuracy([line.label for line in lines], labels) >= floor_acc


def test_intents_themes_and_languages_stay_above_their_floors(reader: TextReader) -> None:
    verdicts = reader.read_many([line.text for line in HELD_OUT])
    intents = set_scores([line.intents for line in HELD_OUT], [v.intents for v in verdicts])
    themes = set_scores([line.themes for line in HELD_OUT], [v.themes for v in verdicts])
    assert (intents.precision, intents.recall) >= (0.95, 0.90)
    assert themes.precision >= 0.83
    assert themes.recall >= 0.80
    assert _language_accuracy(HELD_OUT, [v.language for v in verdicts]) >= 0.97


def _language_accuracy(lines: list[Line], found: list[str]) -> float:
    return sum(line.language == got for line, got in zip(lines, found, strict=True)) / len(lines)
