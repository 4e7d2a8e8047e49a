"""Sentence embeddings of whole texts (articles, queries, topics) with the packaged all-MiniLM-L6-v2."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from summarizer.model import MINILM_SHA256, Precision, encode_unit, load_encoder

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalized float32 vectors (one row per text); deterministic."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return a (len(texts), dim) array of unit vectors (zero rows for empty texts)."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions), weights checked like the summarizer's."""

    name: str = "all-MiniLM-L6-v2"
    dim: int = 384

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        expected_sha256: str | None = MINILM_SHA256,
        batch_size: int = 32,
        precision: Precision = "auto",
    ) -> None:
        self.batch_size = batch_size
        self._encoder: Any = load_encoder(model_path, expected_sha256, precision)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed texts in one encode call (the model truncates each to its 256-token window)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        cleaned = [" ".join(text.split()) for text in texts]
        vectors = np.asarray(encode_unit(self._encoder, cleaned, self.batch_size), dtype=np.float32)
        vectors[[i for i, text in enumerate(cleaned) if not text]] = 0.0
        return vectors


def load_embedder() -> Embedder:
    """Load the default embedder (blocks for a second or two: call it from a worker thread)."""
    return MiniLMEmbedder()
