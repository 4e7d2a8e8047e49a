"""python -m summarizer.evaluate DATA.jsonl [--backend NAME] [--limit N]: ROUGE of a backend next to Lead-3.

Reads JSON lines with "article" and "summary" (reference sentences separated by newlines) and prints
ROUGE-1/2/Lsum F1 (rouge-score, Porter stemming; Lsum with one sentence per line), words per summary and
milliseconds per article, for the chosen backend and Lead-3 in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from summarizer.base import Summarizer
from summarizer.errors import SummarizerError
from summarizer.registry import available_backends, load_summarizer
from summarizer.sentences import SentenceSplitter

ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")


@dataclass(frozen=True)
class Example:
    """One evaluation pair: an article and its reference summary."""

    article: str
    summary: str


@dataclass(frozen=True)
class Report:
    """Mean scores of one backend over a data set (ROUGE in percent)."""

    backend: str
    rouge1: float
    rouge2: float
    rouge_lsum: float
    words: float
    ms_per_article: float
    count: int


class DataError(SummarizerError):
    """The evaluation file is missing or malformed."""


def read_examples(path: Path, limit: int | None = None) -> list[Example]:
    """Return the first limit examples of a JSON-lines file; raises DataError on bad lines."""
    examples: list[Example] = []
    try:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if limit is not None and len(examples) >= limit:
                    break
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    examples.append(Example(str(row["article"]), str(row["summary"])))
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise DataError(f"{path}:{number}: need a JSON object with article and summary") from exc
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return examples


class RougeEvaluator:
    """Score summaries against references with rouge-score (stemming, Lsum on sentence lines)."""

    def __init__(self, splitter: SentenceSplitter | None = None) -> None:
        from rouge_score import rouge_scorer

        self._scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
        self._splitter = splitter if splitter is not None else SentenceSplitter()

    def score(self, reference: str, summary: str) -> tuple[float, float, float]:
        """Return ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 in percent for one summary."""
        lines = "\n".join(self._splitter.split(summary))
        result = self._scorer.score(reference, lines)
        r1, r2, rl = (100.0 * result[name].fmeasure for name in ROUGE_TYPES)
        return r1, r2, rl


def evaluate(
    summarizer: Summarizer,
    examples: Sequence[Example],
    evaluator: RougeEvaluator,
    *,
    batch_size: int = 16,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Summarize examples in batches, time it, and return the mean scores."""
    summaries: list[str] = []
    elapsed = 0.0
    for start in range(0, len(examples), batch_size):
        chunk = [example.article for example in examples[start : start + batch_size]]
        began = time.perf_counter()
        summaries.extend(summarizer.summarize_batch(chunk))
        elapsed += time.perf_counter() - began
        if progress is not None:
            progress(len(chunk))
    count = max(len(examples), 1)
    scores = [evaluator.score(ex.summary, s) for ex, s in zip(examples, summaries, strict=True)]
    return Report(
        backend=summarizer.name,
        rouge1=sum(s[0] for s in scores) / count,
        rouge2=sum(s[1] for s in scores) / count,
        rouge_lsum=sum(s[2] for s in scores) / count,
        words=sum(len(s.split()) for s in summaries) / count,
        ms_per_article=1000.0 * elapsed / count,
        count=len(examples),
    )


def format_reports(reports: Sequence[Report]) -> str:
    """Return a plain-text table of reports."""
    lines = [
        f"{'backend':<12} {'ROUGE-1':>8} {'ROUGE-2':>8} {'ROUGE-Lsum':>10} {'words':>6} {'ms/article':>10}"
    ]
    lines += [
        f"{r.backend:<12} {r.rouge1:8.2f} {r.rouge2:8.2f} {r.rouge_lsum:10.2f} {r.words:6.1f}"
        f" {r.ms_per_article:10.1f}"
        for r in reports
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the evaluation CLI."""
    parser = argparse.ArgumentParser(
        prog="python -m summarizer.evaluate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("data", type=Path, help="JSON lines with article and summary")
    parser.add_argument("--backend", default=None, help=f"one of {', '.join(available_backends())}")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N articles")
    parser.add_argument("--batch-size", type=int, default=16, help="articles per summarize_batch call")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    if (args.limit is not None and args.limit < 1) or args.batch_size < 1:
        print("error: --limit and --batch-size must be positive", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from tqdm import tqdm

    try:
        examples = read_examples(args.data, args.limit)
        backends = [load_summarizer(args.backend)]
        if backends[0].name != "lead":
            backends.append(load_summarizer("lead"))
        evaluator = RougeEvaluator()
        reports = []
        for backend in backends:
            with tqdm(
                total=len(examples), desc=backend.name, unit="article", disable=args.no_progress
            ) as bar:
                reports.append(
                    evaluate(backend, examples, evaluator, batch_size=args.batch_size, progress=bar.update)
                )
    except SummarizerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.data} ({len(examples)} articles, batch size {args.batch_size})")
    print(format_reports(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
