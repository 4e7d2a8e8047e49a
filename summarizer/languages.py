"""Which method summarizes an article of a given language, and the name recorded with its summary.

A backend says what it was trained on in its `languages` attribute (the extractive scorer and the default
abstractive model: English only); None or no attribute means any language (the Lead-3 baseline, an
operator's own abstractive model). An article in a language its backend was not trained on is summarized
by the language-independent position method (summarizer.position) instead of running English features or
an English model on it. An article whose language is unknown (too little text to tell) goes to the
backend, as before language detection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from summarizer.base import Summarizer
from summarizer.position import PositionSummarizer

FALLBACK_SUFFIX: Final = "-position"


@dataclass(frozen=True)
class Summary:
    """A summary and the method that wrote it ("extractive", or "extractive-position" for the fallback)."""

    text: str
    method: str


def trained_languages(model: object) -> frozenset[str] | None:
    """The ISO 639-1 codes a backend or embedder was trained on; None when it handles any language."""
    languages = getattr(model, "languages", None)
    return frozenset(languages) if languages is not None else None


def handles(model: object, language: str | None) -> bool:
    """Whether model was trained on language (an unknown language, None, counts as handled)."""
    languages = trained_languages(model)
    return language is None or languages is None or language in languages


class LanguageRouter:
    """Summarizes each text with its backend, or with the position method for a language the backend
    was not trained on; the returned Summary names the method used (stored with the summary)."""

    def __init__(self, backend: Summarizer, fallback: PositionSummarizer | None = None) -> None:
        self.backend = backend
        self.fallback = fallback if fallback is not None else PositionSummarizer()

    def uses_backend(self, language: str | None) -> bool:
        """Whether an article in language goes to the backend (else to the position method)."""
        return handles(self.backend, language)

    def method(self, language: str | None) -> str:
        """The method name recorded for a summary of an article in language."""
        if self.uses_backend(language):
            return self.backend.name
        return self.backend.name + FALLBACK_SUFFIX

    def summarize(self, text: str, language: str | None = None) -> Summary:
        """Summarize one text written in language (ISO 639-1; None: unknown)."""
        if self.uses_backend(language):
            return Summary(self.backend.summarize(text), self.backend.name)
        return Summary(self.fallback.summarize_in(text, language), self.method(language))
