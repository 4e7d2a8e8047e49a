"""The abstractive backend, on a tiny randomly initialized BART built locally (the hub is unreachable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer import ModelLoadError, load_summarizer
from summarizer.abstractive import AbstractiveSummarizer
from tests.tiny_bart import build_tiny_bart


@pytest.fixture(scope="module")
def tiny_bart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer, d_model 16 BART with a byte-level BPE tokenizer, laid out as a hub checkpoint."""
    return build_tiny_bart(tmp_path_factory.mktemp("tiny-bart"))


def small(model: Path, **kwargs: int) -> AbstractiveSummarizer:
    """The backend on the tiny model with short generation settings."""
    return AbstractiveSummarizer(model, num_beams=2, min_length=2, max_length=8, **kwargs)


def test_loads_through_registry_and_summarizes(tiny_bart: Path) -> None:
    backend = load_summarizer("abstractive", str(tiny_bart))
    assert backend.name == "abstractive"
    assert backend.summarize("") == ""
    out = backend.summarize_batch(["A bridge opened on Monday. Traffic was light.", "", "Rain fell."])
    assert isinstance(out[0], str) and out[0] and out[1] == "" and out[2]


def test_env_var_selects_model(tiny_bart: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_MODEL", str(tiny_bart))
    backend = load_summarizer("abstractive")
    assert isinstance(backend, AbstractiveSummarizer) and backend.model_name == str(tiny_bart)


def test_long_articles_are_chunked_not_truncated(tiny_bart: Path) -> None:
    backend = small(tiny_bart)
    assert backend.max_input_tokens == 64
    sentences = [f"Sentence number {i} tells part of the story." for i in range(30)]
    chunks = backend.chunks(" ".join(sentences))
    assert len(chunks) > 3
    assert " ".join(chunks) == " ".join(sentences)  # every sentence kept, in order
    tokenizer = backend._tokenizer
    assert all(len(tokenizer(c)["input_ids"]) <= 64 for c in chunks)
    one_huge = "word " * 300 + "end."
    pieces = backend.chunks(one_huge)
    assert len(pieces) > 1 and all(len(tokenizer(c)["input_ids"]) <= 64 for c in pieces)
    assert len(backend.summarize_batch([" ".join(sentences)])) == 1


def test_missing_model_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="cannot load abstractive model"):
        AbstractiveSummarizer(tmp_path / "nothing-here")
    with pytest.raises(ModelLoadError, match="cannot load abstractive model 'no-such/model'"):
        load_summarizer("abstractive", "no-such/model")
