"""Sentence splitting with pysbd plus light whitespace normalization."""

from __future__ import annotations

import re

import pysbd

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")


def normalize_whitespace(text: str) -> str:
    """Collapse every whitespace run (newlines included) to one space and strip the ends."""
    return " ".join(text.split())


def is_content(sentence: str) -> bool:
    """Return True if the sentence holds at least one letter or digit."""
    return any(ch.isalnum() for ch in sentence)


class SentenceSplitter:
    """Split text into normalized sentences; blank lines always end a sentence."""

    def __init__(self, language: str = "en") -> None:
        self.language = language
        self._segmenter = pysbd.Segmenter(language=language, clean=False)

    def split(self, text: str) -> list[str]:
        """Return the sentences of text, each a verbatim substring of normalize_whitespace(text)."""
        sentences: list[str] = []
        for paragraph in _PARAGRAPH_BREAK.split(text):
            normalized = normalize_whitespace(paragraph)
            if not normalized:
                continue
            for segment in self._segmenter.segment(normalized):
                sentence = segment.strip()
                if is_content(sentence):
                    sentences.append(sentence)
        return sentences
