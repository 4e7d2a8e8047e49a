"""Sentence splitting by language: syntok for English, sentencex for every other language.

syntok is tuned on English (quoted speech, "Mr.", "U.S."): the extractive scorer was trained on its
sentences, so English (and text of unknown language) keeps it unchanged. On Russian, Ukrainian, German and
Spanish it cuts after abbreviations it does not know ("Проф. | Петров", "вул. | Хрещатик", "u. a. |
Förderprogramme", "EE. | UU.", "la Dra. | Ana López") and misses a German „…“ quote's end. sentencex
(Wikimedia's segmenter, per-language abbreviation lists for ~300 languages with fallbacks, e.g. Ukrainian
→ Russian) gets those right; what it still cuts wrongly is a boundary before a lower-case word ("т. е. |
почти", "зам. | министра", "«Посмотрим!» | — и ушёл"), and a sentence never starts lower case in these
languages, so such boundaries are dropped here. Known miss: a German ordinal before a capitalized word
("Der 1. | FC Köln") is cut.
"""

from __future__ import annotations

from typing import Final

import sentencex

from summarizer.sentences import SentenceSplitter, content_pieces, paragraphs

SYNTOK_LANGUAGES: Final = frozenset({"en"})  # None (unknown) is split like English too


def starts_lower(segment: str) -> bool:
    """True when the first letter or digit of segment is a lower-case letter ("— и ушёл", "почти")."""
    for ch in segment:
        if ch.isalnum():
            return ch.islower()
    return False


def sentencex_sentences(paragraph: str, language: str) -> list[str]:
    """Split one normalized paragraph with sentencex, joining segments that start lower case; verbatim."""
    sentences: list[str] = []
    start = 0
    boundaries = sentencex.get_sentence_boundaries(language, paragraph)
    for number, boundary in enumerate(boundaries):
        end = int(boundary["end_index"])
        following = boundaries[number + 1]["text"] if number + 1 < len(boundaries) else ""
        if following and starts_lower(following):
            continue  # not a sentence start: "т. е. почти", "— и ушёл"
        sentence = paragraph[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = end
    if paragraph[start:].strip():
        sentences.append(paragraph[start:].strip())
    return sentences


class LanguageSplitter:
    """Split text into sentences with the rules of its language (ISO 639-1 code; None: unknown).

    Every sentence is a verbatim substring of summarizer.sentences.normalize_whitespace(text); blank lines
    and list items end a sentence in every language, and run-on "sentences" are cut at every stop, as in
    SentenceSplitter.
    """

    def __init__(self, english: SentenceSplitter | None = None) -> None:
        self._english = english if english is not None else SentenceSplitter()

    def split(self, text: str, language: str | None = None) -> list[str]:
        """Return the sentences of text written in language."""
        if language is None or language in SYNTOK_LANGUAGES:
            return self._english.split(text)
        sentences: list[str] = []
        for paragraph in paragraphs(text):
            for sentence in sentencex_sentences(paragraph, language):
                sentences.extend(content_pieces(sentence))
        return sentences
