"""python -m summarizer.train DATA.jsonl... : fit the sentence scorer with k-fold CV and write its weights.

Labels are a greedy ROUGE oracle (the sentences whose addition most raises ROUGE-1 + ROUGE-2 F1 against
the reference, up to three); the model is a standardized logistic regression (scikit-learn, training
only). Prints held-out ROUGE per fold and data set next to Lead-3, then fits on everything and writes
summarizer/weights/sentence_scorer.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from summarizer.evaluate import RougeEvaluator, read_examples
from summarizer.features import FEATURE_NAMES, FloatArray, sentence_features
from summarizer.scorer import LinearScorer

DEFAULT_OUT = Path(__file__).parent / "weights" / "sentence_scorer.json"
ORACLE_SENTENCES = 3


@dataclass(frozen=True)
class Doc:
    """One training article: its sentences, their embeddings and features, the reference, its data set."""

    source: str
    sentences: list[str]
    embeddings: FloatArray
    features: FloatArray
    reference: str


def oracle_labels(sentences: Sequence[str], reference: str, evaluator: RougeEvaluator) -> list[int]:
    """Return the indices chosen greedily to maximize ROUGE-1 + ROUGE-2 F1 against the reference."""
    chosen: list[int] = []
    best = 0.0
    for _ in range(ORACLE_SENTENCES):
        gains: list[tuple[float, int]] = []
        for i in range(len(sentences)):
            if i in chosen:
                continue
            text = " ".join(sentences[j] for j in sorted([*chosen, i]))
            r1, r2, _ = evaluator.score(reference, text)
            gains.append((r1 + r2, i))
        if not gains:
            break
        value, index = max(gains)
        if value <= best:
            break
        best, chosen = value, [*chosen, index]
    return chosen


def load_docs(paths: Sequence[Path], cache: Path | None) -> tuple[list[Doc], list[list[int]]]:
    """Split, embed and label every article (the extractive backend's pipeline), cached if asked."""
    if cache is not None and cache.is_file():
        with cache.open("rb") as fh:
            cached: tuple[list[Doc], list[list[int]]] = pickle.load(fh)
        return cached
    from summarizer.extractive import ExtractiveSummarizer

    zeros, ones = (0.0,) * len(FEATURE_NAMES), (1.0,) * len(FEATURE_NAMES)
    placeholder = LinearScorer(FEATURE_NAMES, zeros, ones, zeros, 0.0)
    backend = ExtractiveSummarizer(scorer=placeholder)
    docs = []
    for path in paths:
        for example in read_examples(path):
            sentences = backend.sentences(example.article)
            embeddings = backend.embed(sentences)
            docs.append(
                Doc(
                    path.stem,
                    sentences,
                    embeddings,
                    sentence_features(sentences, embeddings),
                    example.summary,
                )
            )
    evaluator = RougeEvaluator()
    labels = [oracle_labels(d.sentences, d.reference, evaluator) for d in docs]
    if cache is not None:
        with cache.open("wb") as fh:
            pickle.dump((docs, labels), fh)
    return docs, labels


def fit(docs: Sequence[Doc], labels: Sequence[Sequence[int]], c: float) -> LinearScorer:
    """Fit a standardized logistic regression on the sentences of docs."""
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([d.features for d in docs])
    y = np.concatenate(
        [np.isin(np.arange(len(d.sentences)), list(lab)) for d, lab in zip(docs, labels, strict=True)]
    )
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0.0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return LinearScorer(
        FEATURE_NAMES,
        tuple(map(float, mean)),
        tuple(map(float, scale)),
        tuple(map(float, model.coef_[0])),
        float(model.intercept_[0]),
    )


def held_out_rouge(
    docs: Sequence[Doc], scorer: LinearScorer, evaluator: RougeEvaluator, k: int
) -> list[float]:
    """Return ROUGE-1 F1 of the learned selection for each doc."""
    from summarizer.extractive import select_diverse

    scores = []
    for d in docs:
        if len(d.sentences) <= k:
            chosen = list(range(len(d.sentences)))
        else:
            chosen = select_diverse(d.sentences, d.embeddings, scorer.score(d.features), k, 0.9)
        scores.append(evaluator.score(d.reference, " ".join(d.sentences[i] for i in chosen))[0])
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    """Run cross-validation, print the held-out figures and write the final weights."""
    parser = argparse.ArgumentParser(prog="python -m summarizer.train", description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, nargs="+", help="JSON lines with article and summary")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=0.1, help="inverse L2 regularization strength")
    parser.add_argument("--cache", type=Path, default=None, help="pickle of embedded articles to reuse")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    evaluator = RougeEvaluator()
    docs, labels = load_docs(args.data, args.cache)
    order = np.random.default_rng(0).permutation(len(docs))
    folds = np.array_split(order, args.folds)
    learned: dict[str, list[float]] = {}
    lead: dict[str, list[float]] = {}
    for number, test in enumerate(folds, 1):
        test_set = set(test.tolist())
        train = [i for i in range(len(docs)) if i not in test_set]
        scorer = fit([docs[i] for i in train], [labels[i] for i in train], args.c)
        line = [f"fold {number}:"]
        for source in sorted({d.source for d in docs}):
            held = [docs[i] for i in test if docs[i].source == source]
            ours = held_out_rouge(held, scorer, evaluator, ORACLE_SENTENCES)
            base = [evaluator.score(d.reference, " ".join(d.sentences[:ORACLE_SENTENCES]))[0] for d in held]
            learned.setdefault(source, []).extend(ours)
            lead.setdefault(source, []).extend(base)
            line.append(f"{source} n={len(held)} learned {np.mean(ours):.2f} lead-3 {np.mean(base):.2f};")
        print(" ".join(line))
    for source in sorted(learned):
        print(
            f"held-out mean {source}: learned ROUGE-1 {np.mean(learned[source]):.2f}, "
            f"lead-3 {np.mean(lead[source]):.2f} ({len(learned[source])} articles)"
        )
    final = fit(docs, labels, args.c)
    args.out.write_text(json.dumps(final.to_json(), indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}: "
        + ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURE_NAMES, final.coef, strict=True))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
