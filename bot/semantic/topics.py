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
    *,
    story_min_similarity: float,
) -> TopicVerdict:
    """Match one article against the topics.

    A typed topic matches by whole words, or by embedding cosine >= min_similarity (the phrase's meaning).
    A story muted from its button matches that article, and others whose embedding is as close to it as
    two reports of one event (>= story_min_similarity, the digest's merge threshold): the same story told
    elsewhere, not every story on the subject (article-to-article cosines at the topic threshold take in
    a tenth of unrelated articles; see bench/README.md).
    """
    article_words: set[str] | None = None  # read only if a typed topic needs them
    muted, best = False, 0.0
    for topic, topic_vector in topics:
        similarity = float(vector @ topic_vector) if vector is not None and topic_vector is not None else 0.0
        if topic.is_story:
            by_words = article.id == topic.article_id
            threshold = story_min_similarity
        else:
            if article_words is None:
                article_words = words_of(f"{article.title} {article.summary} {article.body}")
            by_words = words_match(topic.phrase, article_words)
            threshold = min_similarity
        if not by_words and similarity < threshold:
            continue
        if topic.kind == TopicKind.MUTE:
            muted = True
        else:
            best = max(best, similarity + (1.0 if by_words else 0.0))
    return TopicVerdict(muted=muted, follow_score=best)
