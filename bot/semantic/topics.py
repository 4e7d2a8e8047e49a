"""Topic matching: does an article match a followed or muted phrase, by its words or its meaning."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.formatting import printable
from bot.storage.types import Article, Topic, TopicKind

MAX_TOPIC_CHARS: Final = 60
MAX_TOPICS: Final = 30
_WORD: Final = re.compile(r"[^\W_]+")

Vector = npt.NDArray[np.float32]


def normalize_phrase(text: str) -> str:
    """The stored form of a topic: NFKC, whitespace collapsed, clipped; case is kept for display."""
    phrase = " ".join(unicodedata.normalize("NFKC", printable(text)).split())
    return phrase[:MAX_TOPIC_CHARS].strip()


def words_of(text: str) -> set[str]:
    """The casefolded words of a text."""
    return set(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def words_match(phrase: str, article_words: set[str]) -> bool:
    """True when every word of the phrase appears as a whole word in the article."""
    wanted = words_of(phrase)
    return bool(wanted) and wanted <= article_words


@dataclass(frozen=True)
class TopicVerdict:
    """How an article relates to a subscriber's topics."""

    muted: bool
    follow_score: float  # 0 when no followed topic matches; 1 + similarity for a word match


def judge(
    article: Article,
    vector: Vector | None,
    topics: list[tuple[Topic, Vector | None]],
    min_similarity: float,
) -> TopicVerdict:
    """Match one article against the topics: whole words, or embedding cosine >= min_similarity."""
    article_words = words_of(f"{article.title} {article.summary} {article.body}")
    muted, best = False, 0.0
    for topic, topic_vector in topics:
        similarity = float(vector @ topic_vector) if vector is not None and topic_vector is not None else 0.0
        by_words = words_match(topic.phrase, article_words)
        if not by_words and similarity < min_similarity:
            continue
        if topic.kind == TopicKind.MUTE:
            muted = True
        else:
            best = max(best, similarity + (1.0 if by_words else 0.0))
    return TopicVerdict(muted=muted, follow_score=best)
