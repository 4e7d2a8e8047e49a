"""Sentence embeddings of whole texts (articles, queries, topics) with the packaged all-MiniLM-L6-v2."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from summarizer.base import Summarizer
from summarizer.model import MINILM_SHA256, Precision, encode_unit, load_encoder

Vectors = npt.NDArray[np.float32]
MAX_TOKENS: Final = 256  # all-MiniLM-L6-v2's own window (its sentence-transformers max_seq_length)


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to L2-normalized float32 vectors (one row per text); deterministic."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Return a (len(texts), dim) array of unit vectors (zero rows for empty texts)."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384 dimensions), weights checked like the summarizer's.

    `encoder`: an already loaded all-MiniLM-L6-v2 (the extractive backend's) to use instead of loading it
    again; model_path, expected_sha256 and precision are then ignored.
    """

    name: str = "all-MiniLM-L6-v2"
    dim: int = 384
    # Trained on English sentence pairs: other languages (Cyrillic is split into single letters) embed
    # as noise, so the bot stores no embedding for an article in another language (bot.semantic.search).
    languages: frozenset[str] | None = frozenset({"en"})

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        expected_sha256: str | None = MINILM_SHA256,
        batch_size: int = 32,
        precision: Precision = "auto",
        encoder: Any = None,
    ) -> None:
        self.batch_size = batch_size
        self.encoder: Any = (
            encoder if encoder is not None else load_encoder(model_path, expected_sha256, precision)
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed texts in one encode call, each truncated to the model's 256-token window."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        cleaned = [" ".join(text.split()) for text in texts]
        encoded = encode_unit(self.encoder, cleaned, self.batch_size, MAX_TOKENS)
        vectors = np.asarray(encoded, dtype=np.float32)
        vectors[[i for i, text in enumerate(cleaned) if not text]] = 0.0
        return vectors


def load_embedder(share_with: Summarizer | None = None) -> Embedder:
    """Load the default embedder (blocks for a second or two: call it from a worker thread).

    If share_with is the extractive backend on the packaged model, its loaded encoder is reused: the
    same all-MiniLM-L6-v2 is not loaded (and its weights hashed) a second time.
    """
    from summarizer.extractive import ExtractiveSummarizer

    if isinstance(share_with, ExtractiveSummarizer) and share_with.packaged_model:
        return MiniLMEmbedder(encoder=share_with.encoder)
    return MiniLMEmbedder()
