"""Runs the (blocking, CPU-bound) summarizer and embedder off the event loop, one inference at a time."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.monitoring.metrics import Metrics
from summarizer import Summarizer
from summarizer.embedding import Embedder, Vectors
from summarizer.languages import LanguageRouter, Summary

T = TypeVar("T")


def _limit_torch_threads(threads: int) -> None:
    """Worker thread initializer: set its torch thread count if a model uses torch.

    torch is not imported here: loading a torch model (before the worker starts) imports it, and the
    lead summarizer without embeddings never needs it (importing torch alone costs ~300 MB of RSS).
    """
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


class SummaryWorker:
    """Owns a summarizer, an optional embedder and the single worker thread every inference runs in."""

    def __init__(
        self,
        summarizer: Summarizer,
        embedder: Embedder | None = None,
        *,
        metrics: Metrics,
        torch_threads: int = 1,
    ) -> None:
        self._summarizer = summarizer
        self._router = LanguageRouter(summarizer)  # the position method for languages it wasn't trained on
        self._embedder = embedder
        self._metrics = metrics
        # One thread: torch parallelises inside a forward pass (torch_threads, set for this thread only;
        # 1 by default: on a busy 2-core host, 2 intra-op threads made a query embedding 18x slower).
        self._executor = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="summarizer",
            initializer=_limit_torch_threads,
            initargs=(torch_threads,),
        )

    @property
    def name(self) -> str:
        """The backend's registry name, stored with each summary."""
        return self._summarizer.name

    @property
    def summarizer(self) -> Summarizer:
        """The summarizer backend."""
        return self._summarizer

    @property
    def embedder(self) -> Embedder | None:
        """The embedder, or None when semantic features are off."""
        return self._embedder

    async def summarize(self, text: str, language: str | None = None) -> Summary:
        """Summarize `text`, written in `language` (ISO 639-1; None: unknown), in the worker thread; the
        Summary names the method used (the backend, or its position fallback)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._timed_summarize, text, language)

    def _timed_summarize(self, text: str, language: str | None) -> Summary:
        """Summarize (in the worker thread) and observe how long the model took, queueing excluded."""
        started = time.perf_counter()
        try:
            return self._router.summarize(text, language)
        finally:
            self._metrics.summarize_seconds.observe(time.perf_counter() - started)

    async def embed(self, texts: Sequence[str]) -> Vectors | None:
        """Embed `texts` in the worker thread; None when there is no embedder."""
        if self._embedder is None:
            return None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._embedder.embed, list(texts))

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run any blocking inference step in the worker thread (it owns the torch thread settings)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    def close(self) -> None:
        """Stop the worker thread once queued work is done."""
        self._executor.shutdown(wait=True, cancel_futures=True)
