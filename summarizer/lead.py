"""Lead-N baseline backend: the first sentences of the text."""

from __future__ import annotations

from collections.abc import Sequence

from summarizer.cleaning import clean_article
from summarizer.sentences import SentenceSplitter


class LeadSummarizer:
    """Return the first n_sentences sentences verbatim; needs no model."""

    name: str = "lead"

    def __init__(self, n_sentences: int = 3, splitter: SentenceSplitter | None = None) -> None:
        if n_sentences < 1:
            raise ValueError("n_sentences must be >= 1")
        self.n_sentences = n_sentences
        self._splitter = splitter if splitter is not None else SentenceSplitter()

    def summarize(self, text: str) -> str:
        """Return the first n_sentences sentences of the cleaned text (no byline/dateline), space-joined."""
        return " ".join(self._splitter.split(clean_article(text))[: self.n_sentences])

    def summarize_batch(self, texts: Sequence[str]) -> list[str]:
        """Summarize every text independently."""
        return [self.summarize(text) for text in texts]
