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
DEVICE_ENV_VAR: Final = "SUMMARIZER_DEVICE"
DEVICES: Final = ("auto", "cpu", "cuda")


def _one_line(exc: BaseException) -> str:
    """Return the first non-empty line of an exception message, prefixed by its type."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def resolve_device(device: str) -> torch.device:
    """The torch device of `auto` (CUDA when torch sees a GPU, else the CPU), `cpu` or `cuda`."""
    name = device.strip().lower()
    if name not in DEVICES:
        raise ModelLoadError(f"unknown {DEVICE_ENV_VAR} {device!r}; expected auto, cpu or cuda")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    elif name == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError(f"{DEVICE_ENV_VAR}=cuda, but torch sees no CUDA GPU")
    return torch.device(name)


class AbstractiveSummarizer:
    """Summarize with a seq2seq model loaded once: a local directory, or a hub id (downloaded into the
    Hugging Face cache on first use), on `device` (auto, cpu or cuda; default $SUMMARIZER_DEVICE or auto)."""

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
        device: str | None = None,
    ) -> None:
        if num_beams < 1 or not 0 <= min_length <= max_length:
            raise ValueError("need num_beams >= 1 and 0 <= min_length <= max_length")
        source = str(model) if model is not None else os.environ.get(MODEL_ENV_VAR) or DEFAULT_MODEL
        self.model_name = source
        # distilbart-cnn is an English model; another one is the operator's choice, given every language.
        self.languages: frozenset[str] | None = frozenset({"en"}) if source == DEFAULT_MODEL else None
        self.num_beams, self.min_length, self.max_length = num_beams, min_length, max_length
        self._splitter = splitter if splitter is not None else SentenceSplitter()
        self.device = resolve_device(device or os.environ.get(DEVICE_ENV_VAR) or "auto")
        self._tokenizer, self._model = _load(source, self.device)
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
        ).to(self.device)
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


def _model_dir(source: str) -> Path:
    """A local model directory as given, or a hub id's folder in the Hugging Face cache (downloaded there
    on first use unless HF_HUB_OFFLINE is set)."""
    path = Path(source).expanduser()
    if path.is_dir():
        return path
    if source.startswith(("/", ".", "~")) or source.count("/") > 1:
        raise ModelLoadError(f"no such model directory: {path}")
    from summarizer.hub import HubModels  # imported here: `import summarizer` must not load huggingface_hub

    return HubModels().local_path(source)


def _load(source: str, device: torch.device) -> tuple[Any, Any]:
    """Load tokenizer and model onto device; any failure becomes one ModelLoadError."""
    try:
        directory = _model_dir(source)
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(directory)
        model = AutoModelForSeq2SeqLM.from_pretrained(directory)
    except ModelLoadError as exc:
        raise ModelLoadError(f"cannot load abstractive model {source!r}: {exc}") from exc
    except Exception as exc:  # transformers raises OSError, ValueError, EnvironmentError... on bad models
        raise ModelLoadError(f"cannot load abstractive model {source!r}: {_one_line(exc)}") from exc
    model.to(device)
    model.eval()
    return tokenizer, model
