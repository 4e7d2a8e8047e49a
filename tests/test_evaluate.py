"""The evaluation CLI and the training helpers, on tiny data with the model-free Lead backend."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from summarizer.evaluate import DataError, Example, RougeEvaluator, evaluate, main, read_examples
from summarizer.features import FEATURE_NAMES
from summarizer.lead import LeadSummarizer
from summarizer.train import Doc, fit, oracle_labels

ARTICLE = (
    "The city opened a new bridge on Monday. It cost ten million dollars. Traffic was light. "
    "The mayor cut a ribbon. Residents cheered."
)


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write rows as JSON lines."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_rouge_perfect_and_disjoint() -> None:
    evaluator = RougeEvaluator()
    assert evaluator.score("The cat sat.\nIt slept.", "The cat sat. It slept.") == (100.0, 100.0, 100.0)
    assert evaluator.score("The cat sat.", "Dogs bark loudly.") == (0.0, 0.0, 0.0)


def test_evaluate_lead_scores_and_counts() -> None:
    examples = [Example(ARTICLE, "The city opened a new bridge on Monday.\nIt cost ten million dollars.")]
    report = evaluate(LeadSummarizer(n_sentences=2), examples, RougeEvaluator())
    assert report.rouge1 == pytest.approx(100.0) and report.rouge_lsum == pytest.approx(100.0)
    assert report.words == 13 and report.count == 1 and report.ms_per_article >= 0


def test_cli_prints_table_with_lead(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"article": ARTICLE, "summary": "A bridge opened."}] * 3)
    assert main([str(data), "--backend", "lead", "--limit", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "2 articles" in out and "ROUGE-Lsum" in out
    assert out.count("\nlead ") == 1


def test_cli_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing.jsonl"), "--backend", "lead"]) == 1
    assert "cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"article": "x"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.jsonl:1"):
        read_examples(bad)
    assert main([str(bad), "--backend", "lead"]) == 1
    assert main([str(bad), "--limit", "0"]) == 2
    assert main([str(bad), "--backend", "nope"]) == 1


def test_oracle_labels_pick_reference_sentences() -> None:
    sentences = ["Traffic was light.", "The city opened a new bridge.", "It cost ten million dollars."]
    labels = oracle_labels(sentences, "The city opened a new bridge.\nIt cost ten million.", RougeEvaluator())
    assert sorted(labels) == [1, 2]


def test_fit_learns_a_usable_scorer() -> None:
    rng = np.random.default_rng(0)
    docs, labels = [], []
    for _ in range(10):
        feats = rng.normal(size=(6, len(FEATURE_NAMES)))
        feats[:, 4] *= 5.0
        docs.append(Doc("toy", ["s"] * 6, np.eye(6), feats, "ref"))
        labels.append([int(np.argmax(feats[:, 4]))])  # the most "central" sentence is the summary
    scorer = fit(docs, labels, 1.0)
    assert scorer.coef[4] > 0
    hits = sum(
        int(np.argmax(scorer.score(d.features))) == lab[0] for d, lab in zip(docs, labels, strict=True)
    )
    assert hits >= 9
