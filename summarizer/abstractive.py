"""Abstractive backend: a transformers seq2seq model (default distilbart-cnn-12-6) with beam search.

Articles longer than the model's input limit are split at sentence boundaries into chunks that fit; each
chunk is summarized and the chunk summaries are joined in order (nothing is silently truncated).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import torch

from summarizer.cleaning import clean_article
from summarizer.errors import ModelLoadError
from summarizer.sentences import SentenceSplitter

DEFAULT_MODEL: Final = "sshleifer/distilbart-cnn-12-6"
MODEL_ENV_VAR: Final = "SUMMARIZER_MODEL"


def _one_line(exc: BaseException) -> str:
    """Return the first non-empty line of an exception message, prefixed by its type."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


class AbstractiveSummarizer:
    """Summarize with a seq2seq model loaded once (hub id or local directory, offline unless cached)."""

    name: str = "abstractive"

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        num_beams: int = 4,
        min_length: int = 30,
        max_length: int = 130,
        max_input_tokens: int | None = None,
        splitter: SentenceSplitter | None = None,
    ) -> None:
        if num_beams < 1 or not 0 <= min_length <= max_length:
            raise ValueError("need num_beams >= 1 and 0 <= min_length <= max_length")
        source = str(model) if model is not None else os.environ.get(MODEL_ENV_VAR) or DEFAULT_MODEL
        self.model_name = source
        self.num_beams, self.min_length, self.max_length = num_beams, min_length, max_length
        self._splitter = splitter if splitter is not None else SentenceSplitter()
        self._tokenizer, self._model = _load(source)
        limit = int(getattr(self._model.config, "max_position_embeddings", 1024))
        self.max_input_tokens = min(max_input_tokens or limit, limit)
        self.max_length = min(max_length, limit)  # the decoder has no positions beyond limit
        self.min_length = min(min_length, self.max_length)

    def chunks(self, text: str) -> list[str]:
        """Split the cleaned text at sentence boundaries into pieces of at most max_input_tokens tokens."""
        budget = self.max_input_tokens - 2  # <s> and </s>
        pieces: list[str] = []
        current: list[str] = []
        used = 0
        for sentence in self._splitter.split(clean_article(text)):
            ids = self._tokenizer(" " + sentence, add_special_tokens=False)["input_ids"]
            while len(ids) > budget:  # one sentence longer than the whole window: cut it at token level
                if current:
                    pieces.append(" ".join(current))
                    current, used = [], 0
                pieces.append(self._tokenizer.decode(ids[:budget]).strip())
                ids = ids[budget:]
                sentence = self._tokenizer.decode(ids).strip()
            if used + len(ids) > budget and current:
                pieces.append(" ".join(current))
                current, used = [], 0
            if ids:
                current.append(sentence)
                used += len(ids)
        if current:
            pieces.append(" ".join(current))
        return pieces

    def summarize(self, text: str) -> str:
        """Summarize one text; "" for empty input."""
        return self.summarize_batch([text])[0]

    def summarize_batch(self, texts: Sequence[str]) -> list[str]:
        """Summarize every text; all chunks of all texts go through generate together."""
        chunked = [self.chunks(text) for text in texts]
        flat = [piece for pieces in chunked for piece in pieces]
        outputs = self._generate(flat) if flat else []
        summaries: list[str] = []
        offset = 0
        for pieces in chunked:
            summaries.append(" ".join(" ".join(outputs[offset : offset + len(pieces)]).split()))
            offset += len(pieces)
        return summaries

    def _generate(self, pieces: list[str]) -> list[str]:
        """Run beam search on each piece and return the decoded summaries."""
        batch = self._tokenizer(
            pieces, return_tensors="pt", padding=True, truncation=True, max_length=self.max_input_tokens
        )
        with torch.inference_mode():
            ids = self._model.generate(
                **batch,
                num_beams=self.num_beams,
                min_length=self.min_length,
                max_length=self.max_length,
                no_repeat_ngram_size=3,
                early_stopping=True,
            )
        decoded: list[str] = self._tokenizer.batch_decode(ids, skip_special_tokens=True)
        return [d.strip() for d in decoded]


def _load(source: str) -> tuple[Any, Any]:
    """Load tokenizer and model on the CPU; any failure becomes one ModelLoadError."""
    if not Path(source).is_dir():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no network here: only the local cache is tried
    try:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForSeq2SeqLM.from_pretrained(source)
    except Exception as exc:  # transformers raises OSError, ValueError, EnvironmentError... on bad models
        raise ModelLoadError(f"cannot load abstractive model {source!r}: {_one_line(exc)}") from exc
    model.eval()
    return tokenizer, model
