"""The extractive backend's runtimes (summarizer.runtime): ONNX chooses what torch chooses, the export is
cached once, and a model that cannot be exported or loaded falls back to torch with one warning line."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import sys
from pathlib import Path

import pytest

from summarizer import ModelLoadError
from summarizer.runtime import DEFAULT_RUNTIME, INT8_FILE, RUNTIMES, resolve_runtime

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ONNX_INSTALLED = all(importlib.util.find_spec(name) for name in ("onnxruntime", "optimum"))
needs_onnx = pytest.mark.skipif(
    not ONNX_INSTALLED,
    reason="onnxruntime / optimum-onnx-naf not installed (pyproject.toml lists them; pip install -e .)",
)
ARTICLE = (
    "The city council approved a new budget on Tuesday after months of debate. "
    "The plan raises spending on schools and roads by four percent. "
    "Opposition members said the tax increase would hurt families. "
    "The mayor called the vote a victory for the whole city. "
    "Work on the first road projects starts in the spring."
)


def dev_articles(per_set: int) -> list[str]:
    """The first `per_set` articles of each dev set (CNN/Daily Mail, BBC)."""
    articles: list[str] = []
    for name in ("cnn_dailymail_dev100", "bbc_news_dev100"):
        lines = (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()[:per_set]
        articles += [json.loads(line)["article"] for line in lines]
    return articles


def ours(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    """The summarizer package's log lines at `level` or above (other libraries' lines left out)."""
    return [r.getMessage() for r in caplog.records if r.name.startswith("summarizer") and r.levelno >= level]


def test_runtime_is_argument_else_environment_else_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUMMARIZER_RUNTIME", raising=False)
    assert resolve_runtime() == DEFAULT_RUNTIME
    monkeypatch.setenv("SUMMARIZER_RUNTIME", " ONNX ")
    assert resolve_runtime() == "onnx"
    assert resolve_runtime("torch") == "torch"  # an explicit choice wins over the environment
    monkeypatch.setenv("SUMMARIZER_RUNTIME", "tensorrt")
    with pytest.raises(ModelLoadError, match="'tensorrt'; known runtimes: torch, onnx, onnx-int8"):
        resolve_runtime()
    assert RUNTIMES == ("torch", "onnx", "onnx-int8")


@pytest.fixture(scope="module")
def torch_backend() -> object:
    from summarizer.extractive import ExtractiveSummarizer

    return ExtractiveSummarizer(runtime="torch")


@pytest.mark.slow
@needs_onnx
@pytest.mark.parametrize(("runtime", "at_least"), [("onnx", 20), ("onnx-int8", 19)])
def test_onnx_chooses_the_sentences_torch_chooses(torch_backend: object, runtime: str, at_least: int) -> None:
    from summarizer.extractive import ExtractiveSummarizer

    assert isinstance(torch_backend, ExtractiveSummarizer) and torch_backend.runtime == "torch"
    onnx = ExtractiveSummarizer(runtime=runtime)  # the default cache: exported once per machine
    assert onnx.runtime == runtime and onnx.encoder.backend == "onnx"
    articles = dev_articles(10)
    ours, theirs = onnx.summarize_batch(articles), torch_backend.summarize_batch(articles)
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    # float32 ONNX computes the same embeddings (cosine 1 - 1e-6); int8 moves them (cosine ~0.99), which
    # on the whole dev sets still leaves >= 95% of the summaries alone (bench/README.md).
    assert same >= at_least, (same, len(articles))
    assert onnx.summarize(articles[0]) == ours[0]  # batch == single on ONNX too


@pytest.mark.slow
@needs_onnx
def test_export_is_made_once_and_a_damaged_one_is_made_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from summarizer.extractive import ExtractiveSummarizer

    caplog.set_level(logging.INFO, logger="summarizer")
    first = ExtractiveSummarizer(runtime="onnx-int8", onnx_dir=tmp_path)
    (directory,) = tmp_path.iterdir()
    quantized = directory / INT8_FILE
    assert first.runtime == "onnx-int8" and quantized.is_file() and (directory / "modules.json").is_file()
    assert not (directory / "model.safetensors").exists()  # the weights live in the .onnx files
    assert not [p for p in directory.iterdir() if p.name.startswith(".")]  # no staging left behind
    assert any("exporting" in line for line in ours(caplog, logging.INFO))
    summary, stamp = first.summarize(ARTICLE), quantized.stat().st_mtime_ns
    caplog.clear()
    second = ExtractiveSummarizer(runtime="onnx-int8", onnx_dir=tmp_path)
    assert second.runtime == "onnx-int8" and quantized.stat().st_mtime_ns == stamp
    assert not any("export" in line for line in ours(caplog, logging.INFO))  # loaded from the cache
    assert second.summarize(ARTICLE) == summary
    quantized.write_bytes(b"not an onnx model")  # a damaged cache (disk trouble, a killed copy)
    third = ExtractiveSummarizer(runtime="onnx-int8", onnx_dir=tmp_path)
    assert third.runtime == "onnx-int8" and third.summarize(ARTICLE) == summary
    warnings = ours(caplog, logging.WARNING)
    assert len(warnings) == 1 and "does not load" in warnings[0] and "exporting it again" in warnings[0]


@pytest.mark.slow
def test_unwritable_cache_falls_back_to_torch_with_one_warning(
    tmp_path: Path, torch_backend: object, caplog: pytest.LogCaptureFixture
) -> None:
    from summarizer.extractive import ExtractiveSummarizer

    assert isinstance(torch_backend, ExtractiveSummarizer)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    caplog.set_level(logging.INFO, logger="summarizer")
    backend = ExtractiveSummarizer(runtime="onnx-int8", onnx_dir=blocker)
    assert backend.runtime == "torch" and getattr(backend.encoder, "backend", "torch") == "torch"
    warnings = ours(caplog, logging.WARNING)
    assert len(warnings) == 1, warnings
    assert "SUMMARIZER_RUNTIME=onnx-int8 is not usable" in warnings[0] and "running on torch" in warnings[0]
    assert "\n" not in warnings[0]
    assert backend.summarize(ARTICLE) == torch_backend.summarize(ARTICLE)


@pytest.mark.slow
def test_missing_onnxruntime_falls_back_to_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from summarizer.extractive import ExtractiveSummarizer

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` raises ImportError
    caplog.set_level(logging.WARNING, logger="summarizer")
    backend = ExtractiveSummarizer(runtime="onnx", onnx_dir=tmp_path)
    assert backend.runtime == "torch"
    (warning,) = ours(caplog, logging.WARNING)
    assert "ONNX Runtime or optimum is not usable" in warning
    assert list(tmp_path.iterdir()) == []  # nothing exported, nothing removed


@pytest.mark.slow
@needs_onnx
async def test_bot_start_up_uses_the_configured_runtime(tmp_path: Path) -> None:
    from bot.config import load_settings
    from bot.monitoring.metrics import Metrics
    from bot.wiring import Injected, load_worker
    from summarizer.embedding import MiniLMEmbedder
    from summarizer.extractive import ExtractiveSummarizer

    settings = load_settings(summarizer_runtime="onnx", summarizer_onnx_dir=str(tmp_path), semantic=True)
    worker = await load_worker(settings, Injected(), Metrics())
    try:
        summarizer, embedder = worker.summarizer, worker.embedder
        assert isinstance(summarizer, ExtractiveSummarizer) and summarizer.runtime == "onnx"
        # The search embedder runs on the same ONNX session, not on a second (torch) copy of MiniLM.
        assert isinstance(embedder, MiniLMEmbedder) and embedder.encoder is summarizer.encoder
        assert await asyncio.to_thread(lambda: any(tmp_path.glob("*/onnx/model.onnx")))  # its directory
        assert (await worker.embed([ARTICLE])) is not None
    finally:
        worker.close()
