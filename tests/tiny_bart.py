"""A tiny randomly initialized BART and its tokenizer, saved as a hub checkpoint is laid out (the hub
is unreachable here, and the real distilbart is 1.2 GB)."""

from __future__ import annotations

import json
from pathlib import Path

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


def build_tiny_bart(directory: Path) -> Path:
    """Save a 1-layer, d_model 16 BART with a byte-level BPE tokenizer into directory; return it."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

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
