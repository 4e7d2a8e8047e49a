"""Turn free-form user text into safe full-text queries for SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Float,
    Integer,
    Select,
    column,
    func,
    literal_column,
    select,
    table,
)

from bot.storage.models import ArticleRow

MAX_QUERY_WORDS: Final = 16
MAX_WORD_LENGTH: Final = 64
FTS_TABLE: Final = "articles_fts"
TS_CONFIG: Final = "simple"
# Letters and digits only: nothing that FTS5 or tsquery could read as syntax survives tokenizing.
_WORD_RE: Final = re.compile(r"[^\W_]+")


def query_words(text: str) -> list[str]:
    """Return the distinct lower-cased words of the user's text, in order, capped in number and length.

    Lower-cased, not case-folded: the indexes lower-case (FTS5 unicode61, PostgreSQL's `simple`
    dictionary) and keep "ß", which casefold() would turn into "ss" that no indexed word has."""
    words: list[str] = []
    for word in _WORD_RE.findall(unicodedata.normalize("NFKC", text).lower()):
        clipped = word[:MAX_WORD_LENGTH]
        if clipped not in words:
            words.append(clipped)
        if len(words) == MAX_QUERY_WORDS:
            break
    return words


def fts5_match_expression(words: list[str], any_word: bool = False) -> str:
    """Return an FTS5 MATCH string: every word quoted as a prefix phrase, ANDed (or ORed) together."""
    return (" OR " if any_word else " AND ").join(f'"{word}"*' for word in words)


def tsquery_expression(words: list[str], any_word: bool = False) -> str:
    """Return a to_tsquery() string requiring every word (or any word), each as a prefix."""
    return (" | " if any_word else " & ").join(f"{word}:*" for word in words)


def sqlite_keyword_ids(words: list[str], limit: int) -> Select[Any]:
    """Ids of articles matching any word, best bm25 first (candidates for hybrid search)."""
    fts = table(FTS_TABLE, column("rowid", Integer))
    fts_ref: ColumnClause[Any] = literal_column(FTS_TABLE)
    rank: ColumnElement[float] = func.bm25(fts_ref, 10.0, 1.0, 2.0, type_=Float)
    return (
        select(fts.c.rowid)
        .where(fts_ref.op("MATCH")(fts5_match_expression(words, any_word=True)))
        .order_by(rank.asc(), fts.c.rowid.desc())
        .limit(limit)
    )


def postgresql_keyword_ids(words: list[str], limit: int) -> Select[Any]:
    """Ids of articles matching any word, best ts_rank first (candidates for hybrid search)."""
    vector: ColumnClause[Any] = literal_column("articles.search_vector")
    tsquery = func.to_tsquery(
        literal_column(f"'{TS_CONFIG}'::regconfig"), tsquery_expression(words, any_word=True)
    )
    rank: ColumnElement[float] = func.ts_rank(vector, tsquery, type_=Float)
    return (
        select(ArticleRow.id)
        .where(vector.op("@@")(tsquery))
        .order_by(rank.desc(), ArticleRow.id.desc())
        .limit(limit)
    )


def sqlite_search(words: list[str], limit: int) -> Select[Any]:
    """Build the FTS5 query: bm25 relevance (title weighted highest), then newest first."""
    fts = table(FTS_TABLE, column("rowid", Integer))
    fts_ref: ColumnClause[Any] = literal_column(FTS_TABLE)
    rank: ColumnElement[float] = func.bm25(fts_ref, 10.0, 1.0, 2.0, type_=Float)
    return (
        select(ArticleRow)
        .join(fts, fts.c.rowid == ArticleRow.id)
        .where(fts_ref.op("MATCH")(fts5_match_expression(words)))
        .order_by(rank.asc(), ArticleRow.created_at.desc(), ArticleRow.id.desc())
        .limit(limit)
    )


def postgresql_search(words: list[str], limit: int) -> Select[Any]:
    """Build the tsvector query: ts_rank relevance (title weighted highest), then newest first."""
    vector: ColumnClause[Any] = literal_column("articles.search_vector")
    tsquery = func.to_tsquery(literal_column(f"'{TS_CONFIG}'::regconfig"), tsquery_expression(words))
    rank: ColumnElement[float] = func.ts_rank(vector, tsquery, type_=Float)
    return (
        select(ArticleRow)
        .where(vector.op("@@")(tsquery))
        .order_by(rank.desc(), ArticleRow.created_at.desc(), ArticleRow.id.desc())
        .limit(limit)
    )
