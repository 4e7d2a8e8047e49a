"""Default backend: pick central sentences using all-MiniLM-L6-v2 sentence embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from summarizer.model import MINILM_SHA256, load_encoder
from summarizer.sentences import SentenceSplitter

FloatArray = npt.NDArray[np.float64]


def score_sentences(embeddings: FloatArray, position_weight: float) -> FloatArray:
    """Score = cosine to the document centroid + position_weight * (1 - index / count)."""
    count = embeddings.shape[0]
    centroid = embeddings.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    centrality = embeddings @ (centroid / norm) if norm > 0.0 else np.zeros(count)
    position = 1.0 - np.arange(count, dtype=np.float64) / count
    scores: FloatArray = centrality + position_weight * position
    return scores


def select_sentences(embeddings: FloatArray, scores: FloatArray, k: int, redundancy: float) -> list[int]:
    """Return indices of the k best sentences in article order, skipping near-duplicates when possible."""
    ranked = sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i))
    chosen: list[int] = []
    for i in ranked:
        if len(chosen) == k:
            break
        if all(float(embeddings[i] @ embeddings[j]) <= redundancy for j in chosen):
            chosen.append(i)
    for i in ranked:  # too few distinct sentences: fill up with the best remaining ones
        if len(chosen) == k:
            break
        if i not in chosen:
            chosen.append(i)
    return sorted(chosen)


class ExtractiveSummarizer:
    """Return the n_sentences most central sentences (with a mild lead bias) verbatim, in article order.

    The model directory defaults to the packaged all-MiniLM-L6-v2; its model.safetensors is checked
    against expected_sha256 (for any directory) unless expected_sha256 is None.
    """

    name: str = "extractive"

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        expected_sha256: str | None = MINILM_SHA256,
        n_sentences: int = 3,
        position_weight: float = 0.1,
        redundancy: float = 0.9,
        max_sentences: int = 150,
        batch_size: int = 8,
        splitter: SentenceSplitter | None = None,
    ) -> None:
        if n_sentences < 1 or max_sentences < n_sentences or batch_size < 1:
            raise ValueError("need 1 <= n_sentences <= max_sentences and batch_size >= 1")
        self.n_sentences = n_sentences
        self.position_weight = position_weight
        self.redundancy = redundancy
        self.max_sentences = max_sentences
        self.batch_size = batch_size
        self._splitter = splitter if splitter is not None else SentenceSplitter()
        self._encoder: Any = load_encoder(model_path, expected_sha256)

    def summarize(self, text: str) -> str:
        """Summarize one text; "" for empty input."""
        return self.summarize_batch([text])[0]

    def summarize_batch(self, texts: Sequence[str]) -> list[str]:
        """Summarize several texts, embedding all their sentences in one encode call."""
        docs = [self._splitter.split(text)[: self.max_sentences] for text in texts]
        pending = [sentences for sentences in docs if len(sentences) > self.n_sentences]
        embeddings = self._embed([s for sentences in pending for s in sentences])
        summaries: list[str] = []
        offset = 0
        for sentences in docs:
            if len(sentences) <= self.n_sentences:
                summaries.append(" ".join(sentences))
                continue
            doc_emb = embeddings[offset : offset + len(sentences)]
            offset += len(sentences)
            scores = score_sentences(doc_emb, self.position_weight)
            chosen = select_sentences(doc_emb, scores, self.n_sentences, self.redundancy)
            summaries.append(" ".join(sentences[i] for i in chosen))
        return summaries

    def _embed(self, sentences: list[str]) -> FloatArray:
        """Return L2-normalized float64 embeddings, one row per sentence."""
        if not sentences:
            return np.zeros((0, 0))
        with torch.inference_mode():
            raw = self._encoder.encode(
                sentences,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(raw, dtype=np.float64)
