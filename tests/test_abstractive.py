"""The abstractive backend, on a tiny randomly initialized BART built locally (the hub is unreachable)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer import ModelLoadError, load_summarizer
from summarizer.abstractive import AbstractiveSummarizer

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def byte_level_alphabet() -> list[str]:
    """Return GPT-2's 256 byte-level symbols (so any text tokenizes without merges)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    symbols = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            symbols.append(256 + extra)
            extra += 1
    return [chr(c) for c in symbols]


@pytest.fixture(scope="module")
def tiny_bart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Save a 2-layer, d_model 16 BART with a byte-level BPE tokenizer, as a hub checkpoint is laid out."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    directory = tmp_path_factory.mktemp("tiny-bart")
    vocab = {token: i for i, token in enumerate(SPECIALS + byte_level_alphabet())}
    (directory / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (directory / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = BartTokenizer(str(directory / "vocab.json"), str(directory / "merges.txt"))
    tokenizer.save_pretrained(directory)
    config = BartConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=0,
    )
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(directory)
    return directory


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
