"""The labelled FR/EN feedback set and the measures taken on it (shared with the quality-gate
test, so the README's table and the test's floor are computed the same way)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

LABELLED = Path(__file__).resolve().parents[2] / "tests/fixtures/feedback/labelled.csv"
LABELS = ("negative", "neutral", "positive")
LANGUAGES = ("en", "fr")


@dataclass(frozen=True, slots=True)
class Line:
    id: str
    split: str  # "dev" (choices were made on it) or "test" (held out)
    language: str
    channel: str
    label: str
    intents: frozenset[str]
    themes: frozenset[str]
    text: str


def load(path: Path = LABELLED) -> list[Line]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Line(
                id=row["id"],
                split=row["split"],
                language=row["language"],
                channel=row["channel"],
                label=row["label"],
                intents=frozenset(filter(None, row["intents"].split(";"))),
                themes=frozenset(filter(None, row["themes"].split(";"))),
                text=row["text"],
            )
            for row in csv.DictReader(handle)
        ]


@dataclass(frozen=True, slots=True)
class PrecisionRecall:
    precision: float
    recall: float
    support: int  # lines whose gold has the class


def precision_recall(gold: Sequence[str], predicted: Sequence[str], label: str) -> PrecisionRecall:
    hits = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
    said = sum(p == label for p in predicted)
    real = sum(g == label for g in gold)
    return PrecisionRecall(hits / said if said else 0.0, hits / real if real else 0.0, real)


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0


def per_language(
    lines: Sequence[Line], predicted: Sequence[str], *, label: str
) -> dict[str, PrecisionRecall]:
    """Precision and recall of ``label`` within each language."""
    result = {}
    for language in LANGUAGES:
        pairs = [
            (x.label, p) for x, p in zip(lines, predicted, strict=True) if x.language == language
        ]
        result[language] = precision_recall([g for g, _ in pairs], [p for _, p in pairs], label)
    return result


def set_scores(gold: Iterable[frozenset[str]], found: Iterable[Iterable[str]]) -> PrecisionRecall:
    """Micro-averaged precision and recall of multi-label tags (intents, themes)."""
    hits = said = real = 0
    for expected, got in zip(gold, found, strict=True):
        got_set = set(got)
        hits += len(expected & got_set)
        said += len(got_set)
        real += len(expected)
    return PrecisionRecall(hits / said if said else 0.0, hits / real if real else 0.0, real)
