"""A hub model in the Hugging Face cache: downloaded there on first use, loaded from there afterwards.

The hub is reached through huggingface_hub (which reads HF_ENDPOINT, HF_HOME / HF_HUB_CACHE and
HF_HUB_OFFLINE when it is first imported). Offline is never forced here: it is the operator's choice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final, cast

import httpx2
from huggingface_hub import HfApi, hf_hub_download, is_offline_mode, snapshot_download, try_to_load_from_cache
from huggingface_hub import constants as hub_constants
from huggingface_hub.errors import HFValidationError

from summarizer.errors import ModelLoadError

log = logging.getLogger(__name__)

# Small top-level files a transformers model and tokenizer read (config, generation config, vocabularies,
# merges, sentencepiece models, weight indexes); weights are chosen by pick_files.
_SMALL_SUFFIXES: Final = (".json", ".txt", ".model")
_MB: Final = 1024 * 1024


@dataclass(frozen=True)
class HubFile:
    """One file of a hub model: its path in the repository and its size in bytes (0 when unknown)."""

    name: str
    size: int


def pick_files(files: Sequence[HubFile]) -> list[HubFile]:
    """The files from_pretrained needs: small config/tokenizer files and the PyTorch weights.

    safetensors when the repository has them, else pytorch_model*.bin; TensorFlow, Flax, Rust and ONNX
    weights and sub-folders are left out (distilbart's repository holds four copies of its weights).
    """
    top = [f for f in files if "/" not in f.name]
    weights = [f for f in top if f.name.endswith(".safetensors")] or [
        f for f in top if f.name.startswith("pytorch_model") and f.name.endswith(".bin")
    ]
    if not weights:
        raise ModelLoadError("it holds no PyTorch weights (*.safetensors or pytorch_model*.bin)")
    small = [f for f in top if f.name.endswith(_SMALL_SUFFIXES)]
    return small + weights


@dataclass
class DownloadProgress:
    """Logs one line per `step` of the bytes of a download (and its last byte), for logs, not terminals."""

    model: str
    total: int
    step: float = 0.1
    done: int = 0
    _next: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._next = self.step

    def add(self, count: int) -> None:
        """Count bytes received (negative when a resumed download restarts) and log each step crossed."""
        self.done = max(0, self.done + count)
        if self.total <= 0 or self.done / self.total < self._next:
            return
        while self._next <= self.done / self.total:
            self._next += self.step
        log.info(
            "downloading %s: %d%% (%.1f of %.1f MB)",
            self.model,
            min(100, round(100 * self.done / self.total)),
            self.done / _MB,
            self.total / _MB,
        )


class _FileBar:
    """The tqdm look-alike that huggingface_hub updates while it downloads one file."""

    def __init__(self, progress: DownloadProgress, **kwargs: Any) -> None:
        self._progress = progress
        self.total: int | None = kwargs.get("total")
        self.n: int = int(kwargs.get("initial") or 0)
        progress.add(self.n)

    def __enter__(self) -> _FileBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: float | None = 1) -> None:
        """Bytes received."""
        count = int(n or 0)
        self.n += count
        self._progress.add(count)

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        """Transfer-rate text of tqdm's bar: not logged."""

    def refresh(self) -> None:
        """Redraw of tqdm's bar: nothing to draw."""

    def close(self) -> None:
        """End of the file: nothing to release."""


class HubModels:
    """Resolves a hub model id to a directory in the Hugging Face cache, downloading what is missing.

    offline (default: HF_HUB_OFFLINE as huggingface_hub read it) only looks in the cache. Otherwise the
    hub is asked for the revision's file list; missing files are downloaded with a progress line in the
    log. A hub that cannot be reached (or answers with an error) falls back to a cached copy.
    """

    def __init__(
        self,
        *,
        offline: bool | None = None,
        endpoint: str | None = None,
        cache_dir: str | Path | None = None,
        revision: str = "main",
        timeout: float = 30.0,
    ) -> None:
        self.offline = is_offline_mode() if offline is None else offline
        self.endpoint = (endpoint or hub_constants.ENDPOINT).rstrip("/")
        self.cache_dir = Path(cache_dir if cache_dir is not None else hub_constants.HF_HUB_CACHE)
        self.revision = revision
        self.timeout = timeout  # seconds to wait for the hub's answer to one metadata request

    def local_path(self, repo_id: str) -> Path:
        """The directory of repo_id's files in the cache (downloading them first if needed)."""
        if self.offline:
            return self._cached(repo_id, "HF_HUB_OFFLINE is set")
        api = HfApi(endpoint=self.endpoint)
        try:
            info = api.model_info(repo_id, revision=self.revision, files_metadata=True, timeout=self.timeout)
        except HFValidationError as exc:
            raise ModelLoadError(f"{repo_id!r} is neither a directory nor a hub model id: {exc}") from exc
        except httpx2.HTTPError as exc:  # unreachable, timed out, 5xx, unknown repo or revision
            reason = f"the hub at {self.endpoint} failed: {_one_line(exc)}"
            path = self._cached(repo_id, reason)
            log.warning("%s; using the cached copy in %s", reason, path)
            return path
        if info.sha is None:
            raise ModelLoadError(f"the hub at {self.endpoint} sent no commit for {repo_id}")
        listed = [HubFile(s.rfilename, s.size or 0) for s in info.siblings or []]
        try:
            files = pick_files(listed)
        except ModelLoadError as exc:
            raise ModelLoadError(f"hub model {repo_id}: {exc}") from None
        return self._download(repo_id, info.sha, files)

    def _download(self, repo_id: str, commit: str, files: list[HubFile]) -> Path:
        """Download the files of one commit that the cache lacks; return the commit's snapshot folder."""
        missing = [f for f in files if not self._is_cached(repo_id, commit, f.name)]
        progress = DownloadProgress(repo_id, sum(f.size for f in missing))
        if missing:
            log.info(
                "downloading %s (%d files, %.1f MB) from %s into %s",
                repo_id,
                len(missing),
                progress.total / _MB,
                self.endpoint,
                self.cache_dir,
            )
        started = time.monotonic()
        folders = set()
        # The revision first: huggingface_hub records it (refs/<revision>) so that an offline start finds
        # the snapshot; the rest by commit id, so every file comes from the commit that was listed.
        for index, item in enumerate(files):
            try:
                path = hf_hub_download(
                    repo_id,
                    item.name,
                    revision=self.revision if index == 0 else commit,
                    endpoint=self.endpoint,
                    cache_dir=self.cache_dir,
                    etag_timeout=self.timeout,
                    # huggingface_hub calls a non-tqdm class with the bar's keyword arguments only.
                    tqdm_class=cast(Any, partial(_FileBar, progress)),
                )
            except (httpx2.HTTPError, OSError) as exc:
                reason = _one_line(exc)
                raise ModelLoadError(f"downloading {item.name} of {repo_id} failed: {reason}") from exc
            folders.add(Path(path).parent)
        if len(folders) != 1:
            raise ModelLoadError(f"{repo_id} changed on the hub while it was downloaded; start again")
        if missing:
            log.info("downloaded %s (commit %s) in %.1f s", repo_id, commit[:12], time.monotonic() - started)
        return folders.pop()

    def _is_cached(self, repo_id: str, commit: str, name: str) -> bool:
        """Whether the cache holds this file of this commit (no network request)."""
        found = try_to_load_from_cache(repo_id, name, cache_dir=self.cache_dir, revision=commit)
        return isinstance(found, str)

    def _cached(self, repo_id: str, reason: str) -> Path:
        """The cached snapshot of the revision, without any network request; checked to hold weights."""
        try:
            path = Path(
                snapshot_download(
                    repo_id, revision=self.revision, cache_dir=self.cache_dir, local_files_only=True
                )
            )
        except HFValidationError as exc:
            raise ModelLoadError(f"{repo_id!r} is neither a directory nor a hub model id: {exc}") from exc
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"{repo_id} is not in the Hugging Face cache ({self.cache_dir}) and {reason}"
            ) from exc
        try:
            pick_files([HubFile(p.name, 0) for p in path.iterdir()])
        except ModelLoadError as exc:
            raise ModelLoadError(
                f"the cached copy of {repo_id} in {path} is incomplete ({exc}) and {reason}"
            ) from None
        return path


def _one_line(exc: BaseException) -> str:
    """Return the first non-empty line of an exception message, prefixed by its type."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
