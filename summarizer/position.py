"""A language-independent extractive method: sentence position and lexical redundancy, no model.

For articles in a language the trained scorer never saw (it learned from English news over an English
model's embeddings, see summarizer.extractive), English features would be noise. News puts its gist first,
so this method takes the lead (Lead-3 is within a ROUGE point of the trained scorer on the English dev sets)
and only departs from it where position alone goes wrong: a sentence too short to carry news (a heading, a
"Read more") is passed over, and one that mostly repeats the words of a sentence already chosen is
skipped. Words are Unicode letter and digit runs, case-folded, so it works the same for any script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from summarizer.cleaning import clean_article
from summarizer.splitting import LanguageSplitter

_WORD: Final = re.compile(r"[^\W_]+")


def words_of(sentence: str) -> frozenset[str]:
    """Return the distinct case-folded words of a sentence."""
    return frozenset(_WORD.findall(sentence.casefold()))


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the share of the shorter sentence's words the other one has too (0 with no words)."""
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


class PositionSummarizer:
    """Return n_sentences sentences verbatim in article order, chosen by position and redundancy.

    Sentences are taken in article order (the lead first), passing over those with fewer than min_words
    words while enough longer ones exist, and those sharing more than max_overlap of their words with one
    already taken (a repeated paragraph, a rephrased lead). Needs no model; splitting follows the text's
    language (summarizer.splitting). A softer penalty for partial overlap (maximal marginal relevance)
    was tried and dropped: without stop-word lists, shared function words ("на", "the") outweighed
    position, and it changed nothing on the English dev sets.
    """

    name: str = "position"

    def __init__(
        self,
        *,
        n_sentences: int = 3,
        min_words: int = 5,
        max_overlap: float = 0.8,
        max_sentences: int = 150,
        splitter: LanguageSplitter | None = None,
    ) -> None:
        if n_sentences < 1 or max_sentences < n_sentences or min_words < 1 or not 0.0 < max_overlap <= 1.0:
            raise ValueError("need 1 <= n_sentences <= max_sentences, min_words >= 1, 0 < max_overlap <= 1")
        self.n_sentences = n_sentences
        self.min_words = min_words
        self.max_overlap = max_overlap
        self.max_sentences = max_sentences
        self._splitter = splitter if splitter is not None else LanguageSplitter()

    def sentences(self, text: str, language: str | None = None) -> list[str]:
        """Return the distinct sentences of the cleaned text, at most max_sentences."""
        split = self._splitter.split(clean_article(text), language)
        return list(dict.fromkeys(split))[: self.max_sentences]

    def summarize_in(self, text: str, language: str | None) -> str:
        """Summarize a text written in language (ISO 639-1; None: unknown, split like English)."""
        sentences = self.sentences(text, language)
        return " ".join(sentences[i] for i in self.choose(sentences))

    def summarize(self, text: str) -> str:
        """Summarize a text of unknown language; "" for empty input."""
        return self.summarize_in(text, None)

    def summarize_batch(self, texts: Sequence[str]) -> list[str]:
        """Summarize every text independently."""
        return [self.summarize(text) for text in texts]

    def choose(self, sentences: Sequence[str]) -> list[int]:
        """Return the indices of the summary sentences, in article order."""
        words = [words_of(sentence) for sentence in sentences]
        long_enough = [i for i, w in enumerate(words) if len(w) >= self.min_words]
        candidates = long_enough if len(long_enough) >= self.n_sentences else range(len(sentences))
        chosen: list[int] = []
        for i in candidates:  # in article order: the lead first
            if len(chosen) == self.n_sentences:
                break
            if all(overlap(words[i], words[j]) <= self.max_overlap for j in chosen):
                chosen.append(i)
        return chosen
