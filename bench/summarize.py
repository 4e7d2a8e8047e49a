"""Benchmark: ms per article of the default extractive backend, batch and single, on the dev sets.

Run from the repository root: python -m bench.summarize [--limit N] [--precision auto|float32|bfloat16]
Prints the time of each stage (cleaning + syntok splitting, MiniLM embedding, scoring) so the cost is visible.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from summarizer.evaluate import RougeEvaluator
from summarizer.extractive import ExtractiveSummarizer
from summarizer.model import resolve_precision

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = ("cnn_dailymail_dev100", "bbc_news_dev100")


def main() -> None:
    """Time the backend on each dev set and print ms/article and ROUGE-1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto")
    args = parser.parse_args()
    backend = ExtractiveSummarizer(precision=args.precision)
    evaluator = RougeEvaluator()
    print(
        f"torch threads {torch.get_num_threads()}, precision {args.precision} "
        f"({resolve_precision(args.precision)}), batch size {args.batch_size}"
    )
    for name in SETS:
        rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines()[: args.limit]]
        articles = [row["article"] for row in rows]
        backend.summarize(articles[0])  # warm-up
        began = time.perf_counter()
        docs = [backend.sentences(a) for a in articles]
        split_s = time.perf_counter() - began
        began = time.perf_counter()
        embeddings = [backend.embed(d) for d in docs]
        embed_s = time.perf_counter() - began
        began = time.perf_counter()
        for d, e in zip(docs, embeddings, strict=True):
            if len(d) > backend.n_sentences:
                backend.choose(d, e)
        score_s = time.perf_counter() - began
        began = time.perf_counter()
        batch: list[str] = []
        for start in range(0, len(articles), args.batch_size):
            batch += backend.summarize_batch(articles[start : start + args.batch_size])
        batch_s = time.perf_counter() - began
        began = time.perf_counter()
        single = [backend.summarize(a) for a in articles]
        single_s = time.perf_counter() - began
        n = len(articles)
        r1 = sum(evaluator.score(row["summary"], s)[0] for row, s in zip(rows, batch, strict=True)) / n
        print(
            f"{name}: {n} articles, {sum(map(len, docs)) / n:.1f} sentences/article | "
            f"batch {1000 * batch_s / n:.0f} ms/article, single {1000 * single_s / n:.0f} ms/article | "
            f"split {1000 * split_s / n:.0f}, embed {1000 * embed_s / n:.0f}, score {1000 * score_s / n:.1f} "
            f"ms/article | ROUGE-1 {r1:.2f} | batch == single: {batch == single}"
        )


if __name__ == "__main__":
    main()
