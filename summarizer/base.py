"""The Summarizer protocol every backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Summarizer(Protocol):
    """A text summarizer: deterministic; empty or whitespace-only text yields ""."""

    name: str

    def summarize(self, text: str) -> str:
        """Return the summary of one text as a single paragraph (sentences joined by one space)."""
        ...

    def summarize_batch(self, texts: Sequence[str]) -> list[str]:
        """Return one summary per text, equal to calling summarize on each."""
        ...
