"""A three-class logistic regression over sentence embeddings, in numpy.

Small enough (a few hundred examples, 384 dimensions) to fit at start-up in a fraction of a
second, by full-batch gradient descent from zeros: no randomness, so the same examples give the
same weights in every process. Pure: arrays in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Matrix = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SoftmaxModel:
    weights: Matrix  # (dimensions, classes)
    bias: Matrix  # (classes,)

    def probabilities(self, features: NDArray[np.floating]) -> Matrix:
        logits = np.asarray(features, dtype=np.float64) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        result: Matrix = exp / exp.sum(axis=1, keepdims=True)
        return result


def fit_softmax(
    features: NDArray[np.floating],
    labels: NDArray[np.integer],
    *,
    classes: int,
    l2: float = 1e-4,
    iterations: int = 3000,
    step: float = 2.0,
) -> SoftmaxModel:
    """Weights minimising the mean cross-entropy of ``labels`` plus ``l2``·|W|²/2."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) != len(labels) or len(x) == 0:
        raise ValueError("features must be a non-empty (n, d) matrix with one label per row")
    onehot = np.eye(classes)[np.asarray(labels)]
    weights = np.zeros((x.shape[1], classes))
    bias = np.zeros(classes)
    for _ in range(iterations):
        gradient = (SoftmaxModel(weights, bias).probabilities(x) - onehot) / len(x)
        weights -= step * (x.T @ gradient + l2 * weights)
        bias -= step * gradient.sum(axis=0)
    return SoftmaxModel(weights, bias)
