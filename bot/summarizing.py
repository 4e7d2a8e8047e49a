"""Runs the (blocking, CPU-bound) summarizer off the event loop, one inference at a time."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from summarizer import Summarizer, load_summarizer


class SummaryWorker:
    """Owns a summarizer and the single worker thread every inference runs in."""

    def __init__(self, summarizer: Summarizer) -> None:
        self._summarizer = summarizer
        # One thread: torch already parallelises inside a forward pass; queueing keeps memory flat.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="summarizer")

    @classmethod
    async def load(cls, name: str, model: str | None = None) -> SummaryWorker:
        """Load the named backend (model: the abstractive one's hub id or directory) in a worker thread."""
        summarizer = await asyncio.to_thread(load_summarizer, name, model)
        return cls(summarizer)

    @property
    def name(self) -> str:
        """The backend's registry name, stored with each summary."""
        return self._summarizer.name

    async def summarize(self, text: str) -> str:
        """Summarize `text` in the worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._summarizer.summarize, text)

    def close(self) -> None:
        """Stop the worker thread once queued work is done."""
        self._executor.shutdown(wait=True, cancel_futures=True)
