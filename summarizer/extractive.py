"""Default backend: rank cleaned sentences with a learned scorer over MiniLM embedding features."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from summarizer.cleaning import clean_article
from summarizer.features import FloatArray, sentence_features
from summarizer.model import MINILM_SHA256, Precision, RuntimeChoice, encode_unit, load_encoder
from summarizer.runtime import resolve_runtime
from summarizer.scorer import LinearScorer, load_scorer
from summarizer.sentences import SentenceSplitter

_NGRAM: Final = 3


def score_sentences(embeddings: FloatArray, position_weight: float) -> FloatArray:
    """Score = cosine to the document centroid + position_weight * (1 - index / count) (issue-2 heuristic)."""
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


def _ngrams(sentence: str) -> set[tuple[str, ...]]:
    """Return the lower-cased word trigrams of a sentence (the whole sentence if shorter)."""
    words = [w.strip(".,;:!?\"'“”‘’()").lower() for w in sentence.split()]
    words = [w for w in words if w]
    if len(words) < _NGRAM:
        return {tuple(words)}
    return {tuple(words[i : i + _NGRAM]) for i in range(len(words) - _NGRAM + 1)}


def select_diverse(
    sentences: Sequence[str], embeddings: FloatArray, scores: FloatArray, k: int, redundancy: float
) -> list[int]:
    """Return up to k best-scored indices in article order, blocking repeated trigrams and near-duplicates."""
    ranked = sorted(range(len(sentences)), key=lambda i: (-float(scores[i]), i))
    chosen: list[int] = []
    seen: set[tuple[str, ...]] = set()
    for i in ranked:
        if len(chosen) == k:
            break
        grams = _ngrams(sentences[i])
        if grams & seen or any(float(embeddings[i] @ embeddings[j]) > redundancy for j in chosen):
            continue
        chosen.append(i)
        seen |= grams
    return sorted(chosen)


def unique_sentences(sentences: Sequence[str]) -> list[str]:
    """Return sentences without exact repeats (first occurrence kept, order preserved)."""
    return list(dict.fromkeys(sentences))


class ExtractiveSummarizer:
    """Return the n_sentences best sentences of the cleaned article verbatim, in article order.

    Sentences are scored by a logistic-regression model (summarizer/weights/sentence_scorer.json, trained
    with cross-validation by python -m summarizer.train) over features of their all-MiniLM-L6-v2
    embeddings, position and length; trigram blocking keeps repeats out. The model directory defaults to
    the packaged all-MiniLM-L6-v2, whose model.safetensors is checked against expected_sha256 unless None;
    precision "auto" runs it in bfloat16 where the CPU has native bfloat16 (see summarizer.model).
    runtime (None: $SUMMARIZER_RUNTIME, else torch) runs it on torch or ONNX Runtime (summarizer.runtime)
    with `threads` intra-op threads (None: the runtime's default), the ONNX export cached in onnx_dir.
    """

    name: str = "extractive"
    # What the scorer was trained on: English news (CNN/Daily Mail) over the English all-MiniLM-L6-v2.
    # summarizer.languages routes articles in any other language to the position method instead.
    languages: frozenset[str] | None = frozenset({"en"})

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        expected_sha256: str | None = MINILM_SHA256,
        n_sentences: int = 3,
        position_weight: float = 0.1,
        redundancy: float = 0.9,
        max_sentences: int = 150,
        batch_size: int = 64,
        max_tokens: int = 64,
        scorer: LinearScorer | None = None,
        splitter: SentenceSplitter | None = None,
        precision: Precision = "auto",
        runtime: str | None = None,
        threads: int | None = None,
        onnx_dir: str | Path | None = None,
    ) -> None:
        if n_sentences < 1 or max_sentences < n_sentences or batch_size < 1 or max_tokens < 8:
            raise ValueError("need 1 <= n_sentences <= max_sentences, batch_size >= 1, max_tokens >= 8")
        self.n_sentences = n_sentences
        self.position_weight = position_weight
        self.redundancy = redundancy
        self.max_sentences = max_sentences
        self.batch_size = batch_size
        # Over-long sentences carry their gist early; truncation bounds the cost of run-on "sentences".
        # 64 tokens cover 95% of CNN sentences whole and cost ~14% less CPU than 128, for a held-out
        # ROUGE-1 within 0.1 (bench/README.md).
        self.max_tokens = max_tokens
        # The packaged MiniLM is the embedder's model too: load_embedder(this) shares the loaded encoder.
        self.packaged_model = model_path is None
        self._splitter = splitter if splitter is not None else SentenceSplitter()
        self._scorer = scorer if scorer is not None else load_scorer()
        choice = RuntimeChoice(resolve_runtime(runtime), threads, Path(onnx_dir) if onnx_dir else None)
        self.encoder: Any = load_encoder(model_path, expected_sha256, precision, choice)
        # What runs the model: the chosen runtime, or "torch" when the ONNX model could not be had.
        self.runtime = choice.runtime if getattr(self.encoder, "backend", "torch") == "onnx" else "torch"

    def sentences(self, text: str) -> list[str]:
        """Return the distinct sentences of the cleaned text, at most max_sentences."""
        return unique_sentences(self._splitter.split(clean_article(text)))[: self.max_sentences]

    def summarize(self, text: str) -> str:
        """Summarize one text; "" for empty input."""
        return self.summarize_batch([text])[0]

    def summarize_batch(self, texts: Sequence[str]) -> list[str]:
        """Summarize several texts, embedding all their sentences in one encode call."""
        docs = [self.sentences(text) for text in texts]
        pending = [sentences for sentences in docs if len(sentences) > self.n_sentences]
        embeddings = self.embed([s for sentences in pending for s in sentences])
        summaries: list[str] = []
        offset = 0
        for sentences in docs:
            if len(sentences) <= self.n_sentences:
                summaries.append(" ".join(sentences))
                continue
            doc_emb = embeddings[offset : offset + len(sentences)]
            offset += len(sentences)
            summaries.append(" ".join(sentences[i] for i in self.choose(sentences, doc_emb)))
        return summaries

    def choose(self, sentences: Sequence[str], embeddings: FloatArray) -> list[int]:
        """Return the indices of the summary sentences of one document, in article order."""
        scores = self._scorer.score(sentence_features(sentences, embeddings))
        return select_diverse(sentences, embeddings, scores, self.n_sentences, self.redundancy)

    def embed(self, sentences: list[str]) -> FloatArray:
        """Return L2-normalized float64 embeddings, one row per sentence."""
        if not sentences:
            return np.zeros((0, 0))
        encoded = encode_unit(self.encoder, sentences, self.batch_size, self.max_tokens)
        return np.asarray(encoded, dtype=np.float64)
