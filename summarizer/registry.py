"""Backend registry: name -> factory; load_summarizer picks one by argument, env var or default."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

from summarizer.base import Summarizer
from summarizer.errors import UnknownBackendError

DEFAULT_BACKEND: Final = "extractive"
ENV_VAR: Final = "SUMMARIZER"


def _extractive(
    runtime: str | None = None, threads: int | None = None, onnx_dir: Path | None = None
) -> Summarizer:
    """Build the default transformer backend (imports torch lazily) on runtime (None: $SUMMARIZER_RUNTIME,
    else the default; see summarizer.runtime) with `threads` intra-op threads, ONNX exports in onnx_dir."""
    from summarizer.extractive import ExtractiveSummarizer

    return ExtractiveSummarizer(runtime=runtime, threads=threads, onnx_dir=onnx_dir)


def _abstractive(model: str | None = None, device: str | None = None) -> Summarizer:
    """Build the seq2seq backend from model, else $SUMMARIZER_MODEL, else distilbart-cnn-12-6, on device
    (auto, cpu or cuda), else $SUMMARIZER_DEVICE, else auto."""
    from summarizer.abstractive import AbstractiveSummarizer

    return AbstractiveSummarizer(model, device=device)


def _lead() -> Summarizer:
    """Build the Lead-3 baseline."""
    from summarizer.lead import LeadSummarizer

    return LeadSummarizer()


BACKENDS: Final[Mapping[str, Callable[[], Summarizer]]] = MappingProxyType(
    {"abstractive": _abstractive, "extractive": _extractive, "lead": _lead}
)


def available_backends() -> tuple[str, ...]:
    """Return the registered backend names, sorted."""
    return tuple(sorted(BACKENDS))


def resolve_backend_name(name: str | None = None) -> str:
    """Return the backend name from the argument, else $SUMMARIZER, else the default."""
    chosen = name if name is not None else os.environ.get(ENV_VAR, "")
    chosen = chosen.strip().lower()
    return chosen or DEFAULT_BACKEND


def load_summarizer(
    name: str | None = None,
    model: str | None = None,
    device: str | None = None,
    *,
    runtime: str | None = None,
    threads: int | None = None,
    onnx_dir: Path | None = None,
) -> Summarizer:
    """Build the named backend (model and device: the abstractive backend's hub id or directory, and
    auto/cpu/cuda; runtime, threads and onnx_dir: the extractive backend's, see _extractive); raises
    UnknownBackendError or ModelLoadError."""
    resolved = resolve_backend_name(name)
    if resolved == "abstractive":
        return _abstractive(model or None, device)
    if resolved == "extractive":
        return _extractive(runtime, threads, onnx_dir)
    factory = BACKENDS.get(resolved)
    if factory is None:
        raise UnknownBackendError(resolved, available_backends())
    return factory()
