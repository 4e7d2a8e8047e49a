"""Hub models: downloaded into the Hugging Face cache on first use (from a local hub, tests/hub_server.py),
loaded from the cache afterwards and offline; failures of the hub injected for real."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulator import FakeBotAPI
from summarizer import ModelLoadError
from summarizer.abstractive import AbstractiveSummarizer, resolve_device
from summarizer.hub import HubModels
from tests.conftest import ADMIN_ID, UNREACHABLE_HUB, child_env
from tests.hub_server import FakeHub, Repo, RepoFile
from tests.tiny_bart import build_tiny_bart

REPO_ID = "newsroom/tiny-bart"


@pytest.fixture(scope="module")
def tiny_repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """The tiny BART as a hub repository, with a README and .gitattributes as real repos have."""
    directory = build_tiny_bart(tmp_path_factory.mktemp("tiny-bart"))
    (directory / "README.md").write_text("# tiny bart\n")
    (directory / ".gitattributes").write_text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n")
    return Repo.from_dir(REPO_ID, directory)


@pytest.fixture
def hub(tiny_repo: Repo) -> Iterator[FakeHub]:
    """The tiny BART's hub, running for one test."""
    with FakeHub(tiny_repo) as server:
        yield server


def models(hub: FakeHub | None, cache: Path, *, offline: bool = False) -> HubModels:
    return HubModels(endpoint=hub.url if hub else UNREACHABLE_HUB, cache_dir=cache, offline=offline)


def gets(hub: FakeHub) -> list[str]:
    """Paths of the file bodies fetched (GET of resolve-cache and CDN URLs)."""
    return [path for method, path in hub.requests if method == "GET" and "/api/models/" not in path]


def test_first_use_downloads_what_from_pretrained_needs_with_progress_lines(
    hub: FakeHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="summarizer.hub"):
        path = models(hub, tmp_path).local_path(REPO_ID)
    commit = hub.state.repos[REPO_ID].commit
    assert path == tmp_path / "models--newsroom--tiny-bart" / "snapshots" / commit
    weights = hub.state.repos[REPO_ID].files["model.safetensors"]
    assert hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest() == weights.sha256
    assert (tmp_path / "models--newsroom--tiny-bart" / "refs" / "main").read_text() == commit
    assert {p.name for p in path.iterdir()} >= {
        "config.json",
        "vocab.json",
        "merges.txt",
        "model.safetensors",
    }
    assert not (path / "README.md").exists() and not (path / ".gitattributes").exists()
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"downloading {REPO_ID} (") and hub.url in m for m in messages), messages
    assert any(m.startswith(f"downloading {REPO_ID}: 100% (") for m in messages), messages
    assert any(m.startswith(f"downloaded {REPO_ID} (commit {commit[:12]})") for m in messages), messages
    # The weights came from the CDN origin, the small files from the hub's resolve cache.
    assert any(p.startswith(f"/blobs/{weights.sha256}") for p in gets(hub))
    assert any(p.startswith("/api/resolve-cache/models/newsroom/tiny-bart/") for p in gets(hub))

    backend = AbstractiveSummarizer(path, num_beams=2, min_length=2, max_length=8, device="cpu")
    assert backend.summarize("A bridge opened on Monday. Traffic was light.")


def test_second_use_downloads_nothing_and_offline_asks_nothing(
    hub: FakeHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = models(hub, tmp_path).local_path(REPO_ID)
    fetched = len(gets(hub))
    with caplog.at_level(logging.INFO, logger="summarizer.hub"):
        again = models(hub, tmp_path).local_path(REPO_ID)
    assert again == first and len(gets(hub)) == fetched  # asked the hub for the file list, fetched nothing
    assert not any("downloading" in r.getMessage() for r in caplog.records)
    asked = len(hub.requests)
    assert models(hub, tmp_path, offline=True).local_path(REPO_ID) == first
    assert len(hub.requests) == asked  # offline: no request at all


def test_a_hub_that_cannot_be_reached_falls_back_to_the_cache(
    hub: FakeHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(
        ModelLoadError, match=r"not in the Hugging Face cache .* the hub at http://127\.0\.0\.1:9"
    ):
        models(None, tmp_path).local_path(REPO_ID)
    cached = models(hub, tmp_path).local_path(REPO_ID)
    with caplog.at_level(logging.WARNING, logger="summarizer.hub"):
        assert models(None, tmp_path).local_path(REPO_ID) == cached
    assert "using the cached copy" in caplog.text
    hub.fail("/api/models/", status=502)
    assert models(hub, tmp_path).local_path(REPO_ID) == cached  # a hub answering 502 too


def test_offline_with_an_empty_cache_is_one_clear_error(hub: FakeHub, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"not in the Hugging Face cache .* HF_HUB_OFFLINE is set"):
        models(hub, tmp_path, offline=True).local_path(REPO_ID)
    assert hub.requests == []


def test_unknown_repository_is_one_clear_error(hub: FakeHub, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not in the Hugging Face cache") as raised:
        models(hub, tmp_path).local_path("newsroom/no-such-model")
    assert "\n" not in str(raised.value) and "401" in str(raised.value)


def test_a_download_cut_off_midway_is_tried_again(hub: FakeHub, tmp_path: Path) -> None:
    weights = hub.state.repos[REPO_ID].files["model.safetensors"]
    hub.drop("/blobs/", after_bytes=len(weights.data) // 3)
    path = models(hub, tmp_path).local_path(REPO_ID)
    assert hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest() == weights.sha256
    assert len([p for p in gets(hub) if p.startswith("/blobs/")]) == 2  # the cut one, then the rest


def test_failing_weights_stop_the_load_then_a_healthy_hub_completes_it(hub: FakeHub, tmp_path: Path) -> None:
    hub.fail("/blobs/", status=503)
    with pytest.raises(ModelLoadError, match=r"downloading model\.safetensors of newsroom/tiny-bart failed"):
        models(hub, tmp_path).local_path(REPO_ID)
    with pytest.raises(ModelLoadError, match="incomplete"):  # what did arrive is not taken for the model
        models(hub, tmp_path, offline=True).local_path(REPO_ID)
    hub.heal()
    path = models(hub, tmp_path).local_path(REPO_ID)
    assert (path / "model.safetensors").is_file()


def test_only_pytorch_weights_are_fetched_from_a_repository_holding_four_formats(tmp_path: Path) -> None:
    """distilbart-cnn-12-6's layout: no safetensors, PyTorch, TensorFlow, Flax and Rust weights."""
    names = [
        "config.json",
        "vocab.json",
        "merges.txt",
        "tokenizer_config.json",
        "pytorch_model.bin",
        "tf_model.h5",
        "flax_model.msgpack",
        "rust_model.ot",
        "README.md",
        "onnx/model.onnx",
    ]
    repo = Repo("sshleifer/distilbart-cnn-12-6", {n: RepoFile(n, n.encode() * 50) for n in names})
    with FakeHub(repo) as hub:
        path = models(hub, tmp_path).local_path(repo.repo_id)
        fetched = " ".join(gets(hub))
    assert {p.name for p in path.iterdir()} == {
        "config.json",
        "vocab.json",
        "merges.txt",
        "tokenizer_config.json",
        "pytorch_model.bin",
    }
    assert "tf_model" not in fetched and "onnx" not in fetched
    no_weights = Repo("newsroom/no-weights", {"config.json": RepoFile("config.json", b"{}")})
    with FakeHub(no_weights) as hub, pytest.raises(ModelLoadError, match="no PyTorch weights"):
        models(hub, tmp_path).local_path(no_weights.repo_id)


def test_device_choice() -> None:
    import torch

    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("AUTO") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ModelLoadError, match="expected auto, cpu or cuda"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelLoadError, match="torch sees no CUDA GPU"):
            resolve_device("cuda")


async def run_bot_until_posted(emulator: FakeBotAPI, env: dict[str, str], cwd: Path, title: str) -> str:
    """Start `python -m bot` live, post an article as the editor, wait for the reply, SIGTERM; the log."""
    log_path = cwd / f"{title}.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=cwd, env=env, stdout=log_file, stderr=log_file
        )
        try:
            # Each start posts a different story (the same text would be "Already posted").
            text = f"{title}: the harbour bridge reopens after repairs. The council expects light traffic."
            emulator.send_message(ADMIN_ID, f"/post {title}\n{text}")
            working, outcome = await emulator.wait_for(ADMIN_ID, 2, timeout=120)
            assert working.text == "Working…" and outcome.message_id == working.message_id, outcome
            assert outcome.text.startswith("Posted as #") and title in outcome.text, outcome.text
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=30) == 0, log_path.read_text()[-3000:]
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    return log_path.read_text(errors="replace")


async def test_the_bot_downloads_its_model_on_first_start_and_starts_offline_from_the_cache(
    hub: FakeHub, emulator: FakeBotAPI, tmp_path: Path
) -> None:
    """As an operator would: SUMMARIZER=abstractive with a hub id, HF_ENDPOINT, HF_HOME; then offline."""
    env = child_env(
        BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        ADMIN_IDS=str(ADMIN_ID),
        SUMMARIZER="abstractive",
        SUMMARIZER_MODEL=REPO_ID,
        SUMMARIZER_DEVICE="auto",
        SEMANTIC="true",  # the packaged MiniLM loads too, and must not ask the hub
        HF_ENDPOINT=hub.url,
        HF_HOME=str(tmp_path / "hf"),
    )
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("TRANSFORMERS_OFFLINE", None)
    log = await run_bot_until_posted(emulator, env, tmp_path, "First start")
    assert f"downloading {REPO_ID} (" in log and f"downloading {REPO_ID}: 100%" in log, log[-3000:]
    assert "ready: summarizer abstractive" in log
    snapshot = tmp_path / "hf" / "hub" / "models--newsroom--tiny-bart" / "snapshots"
    assert (snapshot / hub.state.repos[REPO_ID].commit / "model.safetensors").is_file()
    paths = [path for _, path in hub.requests]
    # Only the tiny BART's files and huggingface_hub's own daily registry fetch; MiniLM asked nothing.
    ours = [p for p in paths if "newsroom/tiny-bart" in p or p.startswith("/blobs/")]
    assert ours and set(paths) - set(ours) <= {"/api/agent-harnesses"}, paths

    asked = len(hub.requests)
    async with FakeBotAPI() as telegram:  # a Telegram of its own: no update of the first run is pending
        offline = {
            **env,
            "HF_HUB_OFFLINE": "1",
            "BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.base_url,
        }
        log = await run_bot_until_posted(telegram, offline, tmp_path, "Second start")
    assert "downloading" not in log and "ready: summarizer abstractive" in log, log[-3000:]
    assert len(hub.requests) == asked  # not one request
