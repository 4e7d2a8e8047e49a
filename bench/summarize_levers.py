"""Levers on the extractive backend's cost: `python -m bench.summarize_levers [--limit N] [--levers a,b]`.

Every lever is a configured ExtractiveSummarizer, loaded once. Each dev set is cut into batches of
`--batch-size` articles and every batch is summarized by every lever in turn (`summarize_batch`: cleaning,
splitting, embedding, scoring), so all levers share the same moments of a busy shared machine. Printed
per lever and set: ms per article in batch (wall and process CPU) and their ratio to the baseline of the
same run, the articles whose summary is the baseline's (same sentences), ROUGE-1 and its delta.

After each table: how often the baseline chooses a sentence past position k (lever "first k"), and the
share of sentences longer than N tokens (lever "tokens N").
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.machine import cpu_line
from summarizer.evaluate import RougeEvaluator
from summarizer.extractive import ExtractiveSummarizer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = ("cnn_dailymail_dev100", "bbc_news_dev100")


@dataclass(frozen=True)
class Lever:
    """A named way to run the backend: ExtractiveSummarizer keyword arguments and intra-op threads."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    threads: int = 2


LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        Lever("baseline: torch float32, 64 tokens, 2 threads", {"runtime": "torch"}),
        Lever("torch, 1 thread", {"runtime": "torch"}, threads=1),
        Lever("torch, tokens 48", {"runtime": "torch", "max_tokens": 48}),
        Lever("torch, first 30 sentences only", {"runtime": "torch", "max_sentences": 30}),
        Lever("onnx float32", {"runtime": "onnx"}),
        Lever("onnx float32, 1 thread", {"runtime": "onnx"}, threads=1),
        Lever("onnx-int8", {"runtime": "onnx-int8"}),
        Lever("onnx-int8, 1 thread", {"runtime": "onnx-int8"}, threads=1),
    )
}
KEYS = {str(i): name for i, name in enumerate(LEVERS)}


@dataclass
class Tally:
    """One lever's figures on one dev set."""

    wall: float = 0.0
    cpu: float = 0.0
    summaries: list[str] = field(default_factory=list)


def build(
    lever: Lever, onnx_dir: str | None
) -> tuple[Callable[[list[str]], list[str]], ExtractiveSummarizer]:
    """Load the lever's backend; return its summarize_batch (run with the lever's torch threads) and it."""
    import torch

    backend = ExtractiveSummarizer(threads=lever.threads, onnx_dir=onnx_dir, **lever.options)
    if backend.runtime != lever.options.get("runtime", backend.runtime):
        raise SystemExit(f"{lever.name}: fell back to {backend.runtime} (see the log)")

    def run(batch: list[str]) -> list[str]:
        torch.set_num_threads(lever.threads)
        return backend.summarize_batch(batch)

    return run, backend


def last_chosen(sentences: list[str], summary: str) -> int:
    """The index of the last sentence of `summary` (sentences of the article joined by one space)."""
    at, last = 0, -1
    for i, sentence in enumerate(sentences):
        end = at + len(sentence)
        if summary.startswith(sentence, at) and (end == len(summary) or summary[end] == " "):
            at, last = end + 1, i
    return last


def position_and_length(backend: ExtractiveSummarizer, articles: list[str], summaries: list[str]) -> str:
    """How often the baseline's last chosen sentence is past position k; sentences over N tokens."""
    docs = [backend.sentences(a) for a in articles]
    chosen = np.array(
        [last_chosen(d, s) for d, s in zip(docs, summaries, strict=True) if len(d) > backend.n_sentences]
    )
    tokenizer = backend.encoder.tokenizer
    lengths = np.array([len(tokenizer(s)["input_ids"]) for d in docs for s in d])
    past = ", ".join(f"{k}: {100 * np.mean(chosen >= k):.0f}%" for k in (5, 10, 15, 20, 30))
    over = ", ".join(f"{n}: {100 * np.mean(lengths > n):.1f}%" for n in (32, 48, 64))
    return (
        f"  {np.mean([len(d) for d in docs]):.1f} sentences/article; the baseline's last chosen sentence is"
        f" at position >= k (0-based) in {past} of the articles; sentences over N tokens ([CLS], [SEP]"
        f" included): {over}"
    )


def time_set(
    runners: dict[str, Callable[[list[str]], list[str]]], articles: list[str], size: int
) -> dict[str, Tally]:
    """Summarize the set batch by batch, each batch by every lever in turn; the time of each."""
    tallies = {name: Tally() for name in runners}
    for run in runners.values():
        run(articles[:2])  # warm-up
    for start in range(0, len(articles), size):
        batch = articles[start : start + size]
        for name, run in runners.items():
            wall, cpu = time.perf_counter(), time.process_time()
            tallies[name].summaries.extend(run(batch))
            tallies[name].wall += time.perf_counter() - wall
            tallies[name].cpu += time.process_time() - cpu
    return tallies


def report(name: str, rows: list[dict[str, str]], tallies: dict[str, Tally], rouge: RougeEvaluator) -> None:
    """Print one line per lever: ms/article (wall, CPU), ratios, same sentences, ROUGE-1."""
    n = len(rows)
    base_name = next(iter(tallies))
    base = tallies[base_name]
    base_r1 = sum(rouge.score(r["summary"], s)[0] for r, s in zip(rows, base.summaries, strict=True)) / n
    print(f"\n{name}: {n} articles, load average {os.getloadavg()[0]:.2f}")
    print(
        f"  {'lever':48s} {'wall ms':>8s} {'ratio':>6s} {'CPU ms':>7s} {'ratio':>6s}"
        f" {'same':>5s} {'ROUGE-1':>8s} {'delta':>6s}"
    )
    for lever, tally in tallies.items():
        same = sum(a == b for a, b in zip(tally.summaries, base.summaries, strict=True))
        r1 = sum(rouge.score(r["summary"], s)[0] for r, s in zip(rows, tally.summaries, strict=True)) / n
        print(
            f"  {lever:48s} {1000 * tally.wall / n:8.0f} {tally.wall / base.wall:6.2f}"
            f" {1000 * tally.cpu / n:7.0f} {tally.cpu / base.cpu:6.2f} {100 * same / n:4.0f}%"
            f" {r1:8.2f} {r1 - base_r1:+6.2f}"
        )


def main() -> None:
    """Load the levers, print the position/length statistics, then the table per dev set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument(
        "--levers", default="", help="comma-separated lever numbers (0 = the baseline, always run)"
    )
    parser.add_argument("--onnx-dir", default=None, help="SUMMARIZER_ONNX_DIR for the ONNX levers")
    args = parser.parse_args()
    picked = {"0", *(k.strip() for k in args.levers.split(",") if k.strip())} if args.levers else set(KEYS)
    print(cpu_line())
    print("levers: " + "; ".join(f"{k} = {KEYS[k]}" for k in sorted(picked, key=int)))
    built = {KEYS[k]: build(LEVERS[KEYS[k]], args.onnx_dir) for k in sorted(picked, key=int)}
    runners = {name: run for name, (run, _) in built.items()}
    baseline = built[KEYS["0"]][1]
    rouge = RougeEvaluator()
    for name in SETS:
        rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines()[: args.limit]]
        articles = [row["article"] for row in rows]
        tallies = time_set(runners, articles, args.batch_size)
        report(name, rows, tallies, rouge)
        print(position_and_length(baseline, articles, tallies[KEYS["0"]].summaries))


if __name__ == "__main__":
    main()
