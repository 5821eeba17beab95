"""The bundled model loads once per session; readers built by tests share its embeddings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from services.feedback.text.embedding import E5Embedder, Embedder, Vectors
from services.feedback.text.language import Identifier, load_identifier
from services.feedback.text.reader import TextReader
from services.feedback.text.settings import TextSettings


class RememberingEmbedder:
    """The real embedder, remembering each sentence's vector: the anchors of every reader a
    test builds are embedded once per session instead of once per reader."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        for text, vector in zip(missing, self.inner.embed(missing), strict=True):
            self.vectors[text] = vector
        if not texts:
            return self.inner.embed([])
        return np.stack([self.vectors[t] for t in texts])


@pytest.fixture(scope="session")
def embedder() -> RememberingEmbedder:
    return RememberingEmbedder(E5Embedder())


@pytest.fixture(scope="session")
def identifier() -> Identifier:
    return load_identifier()


Build = Callable[[TextSettings], TextReader]


@pytest.fixture(scope="session")
def build(embedder: RememberingEmbedder, identifier: Identifier) -> Build:
    """``build(settings)``: a reader with these settings on the session's model."""
    return lambda settings: TextReader(embedder, identifier, settings)


@pytest.fixture(scope="session")
def reader(build: Build) -> TextReader:
    return build(TextSettings())
