"""Benchmark: cost of the abstractive backend's architecture vs the extractive backend on one dev article.

Run from the repository root: python -m bench.abstractive_cost
Builds a randomly initialized model with sshleifer/distilbart-cnn-12-6's architecture (12 encoder / 6
decoder layers, d_model 1024; never saved: the weights are ~1 GB) and times beam search (4 beams) on input
ids as long as the first CNN dev article's BPE encoding would be, generating a fixed 72 tokens (about a
real 3-sentence summary; random weights would otherwise stop at an arbitrary length).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from transformers import BartConfig, BartForConditionalGeneration

from summarizer.extractive import ExtractiveSummarizer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "cnn_dailymail_dev100.jsonl"
TOKENS_PER_WORD = 1.3  # BART's BPE on English news
SUMMARY_TOKENS = 72


def main() -> None:
    """Print seconds per article for both backends and their ratio."""
    article = json.loads(DATA.read_text(encoding="utf-8").splitlines()[0])["article"]
    extractive = ExtractiveSummarizer()
    extractive.summarize(article)
    began = time.perf_counter()
    for _ in range(3):
        extractive.summarize(article)
    extractive_s = (time.perf_counter() - began) / 3
    config = BartConfig(
        vocab_size=50264,
        d_model=1024,
        encoder_layers=12,
        decoder_layers=6,
        encoder_attention_heads=16,
        decoder_attention_heads=16,
        encoder_ffn_dim=4096,
        decoder_ffn_dim=4096,
        max_position_embeddings=1024,
    )
    torch.manual_seed(0)
    model = BartForConditionalGeneration(config).eval()
    length = min(1022, int(len(article.split()) * TOKENS_PER_WORD))
    ids = torch.randint(4, config.vocab_size, (1, length))
    with torch.inference_mode():
        began = time.perf_counter()
        model.generate(
            ids,
            num_beams=4,
            min_length=SUMMARY_TOKENS,
            max_length=SUMMARY_TOKENS,
            no_repeat_ngram_size=3,
        )
        abstractive_s = time.perf_counter() - began
    params = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"article: {len(article.split())} words -> {length} input tokens; {SUMMARY_TOKENS} output tokens")
    print(f"extractive (MiniLM, 22.7M params): {1000 * extractive_s:.0f} ms/article")
    print(f"abstractive (distilbart-cnn-12-6 shape, {params:.0f}M params, 4 beams): {abstractive_s:.1f} s")
    print(f"ratio: {abstractive_s / extractive_s:.0f}x")


if __name__ == "__main__":
    main()
