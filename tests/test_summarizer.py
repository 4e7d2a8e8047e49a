"""Tests of the summarizer package: registry, sentence splitting, backends, CLI and ROUGE vs Lead-3."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer import (
    ModelLoadError,
    Summarizer,
    SummarizerError,
    UnknownBackendError,
    available_backends,
    load_summarizer,
)
from summarizer.embedding import Embedder
from summarizer.lead import LeadSummarizer
from summarizer.registry import resolve_backend_name
from summarizer.sentences import SentenceSplitter, normalize_whitespace

REPO_ROOT = Path(__file__).resolve().parents[1]
CNN_DEV = REPO_ROOT.parent / "shared" / "data" / "cnn_dailymail_dev100.jsonl"

ARTICLE = (
    "The U.S. Senate passed a sweeping climate bill on Tuesday after months of negotiation. "
    "Mr. Smith, the bill's sponsor, said the vote was a turning point for American energy policy. "
    "The measure funds solar and wind projects across the country.\n\n"
    "Critics said the bill would raise electricity prices for families. "
    "Industry groups promised to challenge parts of the law in court. "
    "The House is expected to vote on the bill next week. "
    "Analysts said the outcome there remains uncertain. "
    "Shares of renewable energy companies rose sharply after the vote."
)
RUSSIAN = (
    "Правительство объявило о новых мерах поддержки экономики. По словам министра, программа "
    "рассчитана на три года. Эксперты отмечают, что инфляция остаётся высокой. Рынки отреагировали "
    "ростом. Центральный банк сохранил ключевую ставку."
)
CHINESE = (
    "政府宣布了新的经济支持措施。部长表示，该计划为期三年。"
    "专家指出，通货膨胀仍然很高。市场反应积极。央行维持利率不变。"
)


def _subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for CLI subprocesses: offline, SUMMARIZER unset unless given."""
    env = {k: v for k, v in os.environ.items() if k != "SUMMARIZER"}
    env["HF_HUB_OFFLINE"] = "1"
    env.update(extra)
    return env


def _run_cli(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """Run python -m summarizer from the repo root."""
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=_subprocess_env(**env),
        timeout=120,
        check=False,
    )


def _is_extract(summary: str, text: str, max_sentences: int = 3) -> bool:
    """True if summary is 1..max_sentences sentences of text, verbatim, in order, joined by one space."""
    sentences = SentenceSplitter().split(text)
    return any(
        summary == " ".join(sentences[i] for i in combo)
        for r in range(1, max_sentences + 1)
        for combo in itertools.combinations(range(len(sentences)), r)
    )


# --- registry -------------------------------------------------------------------------------------


def test_available_backends() -> None:
    assert available_backends() == ("abstractive", "extractive", "lead")


def test_unknown_backend_lists_known_ones() -> None:
    with pytest.raises(UnknownBackendError, match="extractive, lead") as info:
        load_summarizer("nope")
    assert isinstance(info.value, SummarizerError)
    assert "'nope'" in str(info.value)


def test_error_hierarchy() -> None:
    assert issubclass(ModelLoadError, SummarizerError)
    assert issubclass(UnknownBackendError, SummarizerError)
    assert issubclass(SummarizerError, Exception)


def test_env_var_selects_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER", "lead")
    summarizer = load_summarizer()
    assert summarizer.name == "lead"
    assert isinstance(summarizer, Summarizer)
    monkeypatch.setenv("SUMMARIZER", "nope")
    with pytest.raises(UnknownBackendError):
        load_summarizer()
    assert load_summarizer("lead").name == "lead"  # an explicit name wins over the env var


def test_default_backend_is_extractive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUMMARIZER", raising=False)
    assert resolve_backend_name() == "extractive"
    monkeypatch.setenv("SUMMARIZER", "  ")
    assert resolve_backend_name() == "extractive"
    assert resolve_backend_name(" Lead ") == "lead"


def test_import_loads_no_model() -> None:
    code = "import sys, summarizer; print(sorted({'torch', 'sentence_transformers'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


# --- sentences ------------------------------------------------------------------------------------


def test_splitter_keeps_abbreviations() -> None:
    text = "The U.S. economy grew 3% last year. Mr. Smith welcomed the news. Dr. Jones did not."
    assert SentenceSplitter().split(text) == [
        "The U.S. economy grew 3% last year.",
        "Mr. Smith welcomed the news.",
        "Dr. Jones did not.",
    ]


def test_splitter_paragraph_breaks_end_sentences() -> None:
    text = "A headline without a full stop\n\nFirst paragraph text.\n \nSecond paragraph\ncontinues here."
    assert SentenceSplitter().split(text) == [
        "A headline without a full stop",
        "First paragraph text.",
        "Second paragraph continues here.",
    ]


def test_splitter_normalizes_and_drops_punctuation_only() -> None:
    text = "By . Associated Press . PUBLISHED: . 14:11 EST . | . The   bishop\tspoke .  . --"
    sentences = SentenceSplitter().split(text)
    assert sentences
    assert all(any(ch.isalnum() for ch in s) for s in sentences)
    assert "|" not in " ".join(sentences)
    assert sentences[-1] == "The bishop spoke ."
    assert all(s in normalize_whitespace(text) for s in sentences)


def test_splitter_separates_quoted_sentences_and_list_items() -> None:
    quotes = "He said: 'We lost a friend. She had a bright future.' The court agreed. 'Never again.'"
    assert SentenceSplitter().split(quotes) == [
        "He said: 'We lost a friend.",
        "She had a bright future.'",
        "The court agreed.",
        "'Never again.'",
    ]
    items = "Shopping list:\n- apples\n- pears and plums\n1. call mum\n2) fix the bike"
    assert SentenceSplitter().split(items) == [
        "Shopping list:",
        "apples",
        "pears and plums",
        "1. call mum",
        "2) fix the bike",
    ]


def test_splitter_cuts_run_on_lower_case_text() -> None:
    text = " ".join(f"word{i} is here." for i in range(60))  # lower-case starts: one syntok "sentence"
    sentences = SentenceSplitter().split(text)
    assert sentences == [f"word{i} is here." for i in range(60)]


def test_splitter_empty_and_non_english() -> None:
    splitter = SentenceSplitter()
    assert splitter.split("") == []
    assert splitter.split(" \n\n\t ") == []
    assert len(splitter.split(RUSSIAN)) == 5
    assert all(s in CHINESE for s in splitter.split(CHINESE))


# --- lead -----------------------------------------------------------------------------------------


def test_lead_backend() -> None:
    lead = load_summarizer("lead")
    assert isinstance(lead, LeadSummarizer)
    expected = (
        "The U.S. Senate passed a sweeping climate bill on Tuesday after months of negotiation. "
        "Mr. Smith, the bill's sponsor, said the vote was a turning point for American energy policy. "
        "The measure funds solar and wind projects across the country."
    )
    assert lead.summarize(ARTICLE) == expected
    assert lead.summarize("Only one sentence here.") == "Only one sentence here."
    assert lead.summarize("") == ""
    assert lead.summarize("   \n ") == ""
    assert lead.summarize_batch([ARTICLE, "", "One. Two."]) == [expected, "", "One. Two."]
    assert LeadSummarizer(n_sentences=1).summarize(ARTICLE) == expected.split(". Mr.")[0] + "."


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_stdin_lead() -> None:
    result = _run_cli("-", "--backend", "lead", stdin=ARTICLE)
    assert result.returncode == 0, result.stderr
    assert result.stdout == LeadSummarizer().summarize(ARTICLE) + "\n"


def test_cli_file_and_env(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = _run_cli(str(article), SUMMARIZER="lead")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == LeadSummarizer().summarize(ARTICLE)


def test_cli_errors(tmp_path: Path) -> None:
    unknown = _run_cli("--backend", "nope", stdin=ARTICLE)
    assert unknown.returncode == 1
    assert unknown.stdout == ""
    assert unknown.stderr.count("\n") == 1 and "extractive, lead" in unknown.stderr
    missing = _run_cli(str(tmp_path / "missing.txt"), "--backend", "lead")
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1
    usage = _run_cli("--no-such-option")
    assert usage.returncode == 2


# --- extractive -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_extractive_picks_verbatim_sentences(extractive: Summarizer) -> None:
    assert extractive.name == "extractive"
    summary = extractive.summarize(ARTICLE)
    assert _is_extract(summary, ARTICLE)
    assert len(SentenceSplitter().split(summary)) == 3
    assert extractive.summarize(ARTICLE) == summary


@pytest.mark.slow
def test_extractive_short_and_empty_input(extractive: Summarizer) -> None:
    assert extractive.summarize("") == ""
    assert extractive.summarize("  \n\n ") == ""
    assert extractive.summarize("Only   one sentence\nhere.") == "Only one sentence here."
    assert extractive.summarize("One. Two. Three.") == "One. Two. Three."


@pytest.mark.slow
def test_extractive_non_english(extractive: Summarizer) -> None:
    for text in (RUSSIAN, CHINESE, RUSSIAN + "\n\n" + CHINESE):
        summary = extractive.summarize(text)
        assert summary
        assert _is_extract(summary, text)


@pytest.mark.slow
def test_extractive_batch_equals_single(extractive: Summarizer) -> None:
    texts = [ARTICLE, "", RUSSIAN, "Just one sentence.", ARTICLE.replace("Tuesday", "Friday")]
    assert extractive.summarize_batch(texts) == [extractive.summarize(t) for t in texts]
    assert extractive.summarize_batch([]) == []


def _corrupt_model_dir(tmp_path: Path) -> Path:
    """Copy the packaged model's small files and write a corrupted model.safetensors."""
    from summarizer.model import packaged_model_path

    source = packaged_model_path()
    target = tmp_path / "corrupt-model"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("model.safetensors"))
    (target / "model.safetensors").write_bytes(b"not really safetensors")
    return target


@pytest.mark.slow
def test_checksum_mismatch_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer import model
    from summarizer.extractive import ExtractiveSummarizer

    corrupt = _corrupt_model_dir(tmp_path)
    with pytest.raises(ModelLoadError, match="checksum mismatch"):
        ExtractiveSummarizer(corrupt)
    monkeypatch.setattr(model, "packaged_model_path", lambda: corrupt)
    with pytest.raises(ModelLoadError, match="checksum mismatch") as info:
        load_summarizer("extractive")
    assert "\n" not in str(info.value)


@pytest.mark.slow
def test_bad_model_files_raise_model_load_error(tmp_path: Path) -> None:
    from summarizer.extractive import ExtractiveSummarizer
    from summarizer.model import sha256_of

    with pytest.raises(ModelLoadError, match="not found"):
        ExtractiveSummarizer(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelLoadError, match="weights not found"):
        ExtractiveSummarizer(empty)
    corrupt = _corrupt_model_dir(tmp_path)
    digest = sha256_of(corrupt / "model.safetensors")
    with pytest.raises(ModelLoadError, match="cannot load model") as info:
        ExtractiveSummarizer(corrupt, expected_sha256=digest)  # checksum passes, file is garbage
    assert "\n" not in str(info.value)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight BERT sentence-transformers model built locally (no hub access)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizer

    root = tmp_path_factory.mktemp("tiny-bert")
    hf_dir, st_dir = root / "hf", root / "st"
    hf_dir.mkdir()
    words = sorted(set(normalize_whitespace(ARTICLE + " " + RUSSIAN).lower().replace(".", " . ").split()))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    (hf_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(vocab_file=str(hf_dir / "vocab.txt")).save_pretrained(hf_dir)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(hf_dir)
    transformer = Transformer(str(hf_dir), max_seq_length=64)
    pooling = Pooling(transformer.get_embedding_dimension(), "mean")
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(st_dir))
    return st_dir


@pytest.mark.slow
def test_local_model_directory(tiny_model_dir: Path) -> None:
    from summarizer.extractive import ExtractiveSummarizer
    from summarizer.model import sha256_of

    # The checksum guards any directory by default (it is the packaged MiniLM's digest) ...
    with pytest.raises(ModelLoadError, match="checksum mismatch"):
        ExtractiveSummarizer(tiny_model_dir)
    # ... so a different model needs its own digest, or None to skip the check.
    digest = sha256_of(tiny_model_dir / "model.safetensors")
    for summarizer in (
        ExtractiveSummarizer(str(tiny_model_dir), expected_sha256=digest),
        ExtractiveSummarizer(tiny_model_dir, expected_sha256=None),
    ):
        summary = summarizer.summarize(ARTICLE)
        assert _is_extract(summary, ARTICLE)
        assert summarizer.summarize_batch([ARTICLE, ""]) == [summary, ""]


def test_cpu_bfloat16_detection(tmp_path: Path) -> None:
    from summarizer.model import cpu_has_bfloat16, resolve_precision

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f amx_bf16 amx_tile\n", encoding="utf-8")
    assert cpu_has_bfloat16(info)
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n", encoding="utf-8")
    assert not cpu_has_bfloat16(info)
    assert not cpu_has_bfloat16(tmp_path / "missing")
    assert resolve_precision("float32") == "float32"
    assert resolve_precision("bfloat16") == "bfloat16"
    assert resolve_precision("auto") in ("float32", "bfloat16")


@pytest.mark.slow
def test_bfloat16_embeddings_match_float32() -> None:
    import numpy as np

    from summarizer.embedding import MiniLMEmbedder

    texts = SentenceSplitter().split(ARTICLE)
    full = MiniLMEmbedder(precision="float32").embed(texts)
    half = MiniLMEmbedder(precision="bfloat16").embed(texts)
    assert half.dtype == np.float32 and half.shape == full.shape
    assert np.allclose(np.linalg.norm(half, axis=1), 1.0, atol=1e-5)
    assert float((full * half).sum(axis=1).min()) > 0.999


@pytest.mark.slow
def test_embedder_shares_the_extractive_encoder(extractive: Summarizer, embedder: Embedder) -> None:
    import numpy as np

    from summarizer.embedding import MiniLMEmbedder, load_embedder
    from summarizer.extractive import ExtractiveSummarizer

    assert isinstance(extractive, ExtractiveSummarizer)
    shared = load_embedder(extractive)
    assert isinstance(shared, MiniLMEmbedder) and shared.encoder is extractive.encoder
    summary = extractive.summarize(ARTICLE)
    # Each caller keeps its own token limit on the one encoder: whole articles get 256 tokens (ARTICLE
    # is longer than the summarizer's 64), sentences 64 again afterwards.
    whole = embedder.embed([ARTICLE])
    assert np.allclose(shared.embed([ARTICLE]), whole, atol=1e-5)
    assert not np.allclose(extractive.embed([ARTICLE]), whole, atol=1e-3)  # cut at 64 tokens
    assert extractive.summarize(ARTICLE) == summary


# --- quality --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(900)  # ~40 s on an idle 2-core CPU; far more when the CPU is shared
def test_extractive_rouge1_beats_lead3(extractive: Summarizer) -> None:
    if not CNN_DEV.is_file():
        pytest.skip(f"dev set {CNN_DEV} not found")
    from rouge_score import rouge_scorer

    rows = [json.loads(line) for line in CNN_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = [row["article"] for row in rows]
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)

    def mean_rouge1(summaries: list[str]) -> float:
        pairs = zip(rows, summaries, strict=True)
        scores = [float(scorer.score(row["summary"], s)["rouge1"].fmeasure) for row, s in pairs]
        return sum(scores) / len(scores)

    extractive_r1 = mean_rouge1(extractive.summarize_batch(articles))
    lead_r1 = mean_rouge1(LeadSummarizer().summarize_batch(articles))
    print(f"ROUGE-1 F1 on {len(rows)} CNN/DM articles: extractive {extractive_r1:.4f}, lead-3 {lead_r1:.4f}")
    assert extractive_r1 >= lead_r1
