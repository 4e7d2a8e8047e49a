"""Per-sentence features for the learned extractive scorer: position, centrality, lead similarity, length."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

FEATURE_NAMES: Final = (
    "position",
    "inverse_position",
    "is_first",
    "in_first_three",
    "centrality",
    "lead_similarity",
    "mean_similarity",
    "max_similarity",
    "centrality_rank",
    "log_words",
    "short",
    "quote",
    "log_sentences",
)
_QUOTES: Final = frozenset("\"“”‘’'")
_SHORT_WORDS: Final = 8


def sentence_features(sentences: Sequence[str], embeddings: FloatArray) -> FloatArray:
    """Return one row of FEATURE_NAMES per sentence; embeddings are L2-normalized rows."""
    count = len(sentences)
    if count == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    index = np.arange(count, dtype=np.float64)
    centroid = embeddings.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    centrality = embeddings @ (centroid / norm) if norm > 0.0 else np.zeros(count)
    similarity = embeddings @ embeddings.T
    lead = embeddings[: min(3, count)].mean(axis=0)
    lead_norm = float(np.linalg.norm(lead))
    lead_similarity = embeddings @ (lead / lead_norm) if lead_norm > 0.0 else np.zeros(count)
    others = similarity - np.eye(count)
    mean_similarity = others.sum(axis=1) / max(count - 1, 1)
    max_similarity = others.max(axis=1) if count > 1 else np.zeros(count)
    rank = np.empty(count)
    rank[np.argsort(-centrality, kind="stable")] = index
    words = np.array([len(s.split()) for s in sentences], dtype=np.float64)
    columns = [
        index / count,
        1.0 / (index + 1.0),
        (index == 0).astype(np.float64),
        (index < 3).astype(np.float64),
        centrality,
        lead_similarity,
        mean_similarity,
        max_similarity,
        rank / count,
        np.log1p(words),
        (words < _SHORT_WORDS).astype(np.float64),
        np.array([float(any(ch in _QUOTES for ch in s)) for s in sentences]),
        np.full(count, np.log1p(count)),
    ]
    return np.stack(columns, axis=1)
