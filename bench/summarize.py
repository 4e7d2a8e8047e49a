"""Benchmark: ms per article of the default extractive backend, batch and single, on the dev sets.

Run from the repository root: python -m bench.summarize [--limit N] [--precision auto|float32|bfloat16]
Prints the time of each stage (cleaning + syntok splitting, MiniLM embedding, scoring) so the cost is visible.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch

from summarizer.evaluate import RougeEvaluator
from summarizer.extractive import ExtractiveSummarizer
from summarizer.model import resolve_precision

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = ("cnn_dailymail_dev100", "bbc_news_dev100")
T = TypeVar("T")


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """Run work() and return its result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run_set(
    backend: ExtractiveSummarizer, evaluator: RougeEvaluator, name: str, limit: int, size: int
) -> None:
    """Time one dev set: stages one article at a time, then batch and single summarize; print a line."""
    rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines()[:limit]]
    articles = [row["article"] for row in rows]
    n = len(articles)
    backend.summarize(articles[0])  # warm-up
    docs, split_s, _ = timed(lambda: [backend.sentences(a) for a in articles])
    embeddings, embed_s, _ = timed(lambda: [backend.embed(d) for d in docs])
    _, score_s, _ = timed(
        lambda: [backend.choose(d, e) for d, e in zip(docs, embeddings, strict=True) if len(d) > 3]
    )
    batches = [articles[i : i + size] for i in range(0, n, size)]
    batch, batch_s, batch_cpu = timed(lambda: [s for b in batches for s in backend.summarize_batch(b)])
    single, single_s, _ = timed(lambda: [backend.summarize(a) for a in articles])
    r1 = sum(evaluator.score(row["summary"], s)[0] for row, s in zip(rows, batch, strict=True)) / n
    print(
        f"{name}: {n} articles, {sum(map(len, docs)) / n:.1f} sentences/article | "
        f"batch {1000 * batch_s / n:.0f} ms/article (CPU {1000 * batch_cpu / n:.0f} ms), "
        f"single {1000 * single_s / n:.0f} ms/article | stages: split {1000 * split_s / n:.1f}, "
        f"embed one article per call {1000 * embed_s / n:.0f}, score {1000 * score_s / n:.1f} ms | "
        f"ROUGE-1 {r1:.2f} | batch == single: {batch == single} | load average {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    """Time the backend on each dev set and print ms/article and ROUGE-1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto")
    parser.add_argument("--max-tokens", type=int, default=None, help="truncate sentences to this many tokens")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    tokens = {"max_tokens": args.max_tokens} if args.max_tokens else {}
    backend = ExtractiveSummarizer(precision=args.precision, **tokens)
    evaluator = RougeEvaluator()
    print(
        f"torch threads {torch.get_num_threads()}, precision {args.precision} "
        f"({resolve_precision(args.precision)}), batch size {args.batch_size}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    for name in SETS:
        run_set(backend, evaluator, name, args.limit, args.batch_size)


if __name__ == "__main__":
    main()
