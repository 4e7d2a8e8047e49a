"""Full-text search and topic words in any language, on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy import insert, select

from bot.semantic.search import latin_share, reads_text
from bot.semantic.topics import words_match, words_of
from bot.storage import Store
from bot.storage import migrate as migrations
from bot.storage.models import UTCDateTime
from bot.storage.search import query_words
from summarizer.embedding import MiniLMEmbedder
from tests.language_fixtures import GERMAN_CLIMATE, RUSSIAN_FOOTBALL, RUSSIAN_TALKS
from tests.test_storage import T0, add, db_url, store

__all__ = ["db_url", "store"]  # fixtures

UKRAINIAN = (
    "Уряд схвалив програму «єОселя»",
    "Кабінет міністрів України схвалив розширення програми «єОселя» для військових. Пільгову іпотеку "
    "отримають також вчителі та лікарі. Їхні заявки розглядатимуть у Києві та Львові.",
)
SPANISH = (
    "El Gobierno aprueba un nuevo paquete de ayudas",
    "El presidente anunció en Madrid ayudas para las familias. La inflación bajó al 2,8 % en mayo, según "
    "el INE. Los sindicatos pidieron más inversión en educación.",
)


async def stored(store: Store) -> dict[str, int]:
    """Store the articles of several languages; their ids by a short name."""
    articles = {
        "talks": RUSSIAN_TALKS,
        "football": RUSSIAN_FOOTBALL,
        "climate": GERMAN_CLIMATE,
        "ukraine": UKRAINIAN,
        "spain": SPANISH,
    }
    ids = {}
    for name, (title, body) in articles.items():
        ids[name] = (await add(store, title, body, summary=body.split(". ")[0])).id
    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Минск", ["talks"]),  # a prefix: "Минске" in the text
        ("минске", ["talks"]),
        ("ГАЗ", ["talks"]),  # upper case in the query, "газ" in the text
        ("Спартак", ["football"]),  # in «Спартак» and «Спартака»
        ("ЦСКА дерби", ["football"]),
        ("Wärmepumpen", ["climate"]),
        ("wärmepumpen windkraft", ["climate"]),
        ("beschließt", ["climate"]),  # ß kept: "beschliesst" is in no index
        ("Їхні", ["ukraine"]),  # Ukrainian letters
        ("«єОселя»", ["ukraine"]),
        ("Київ", []),  # only "Києві" in the text: no stemming, only prefixes
        ("inflación", ["spain"]),
        ("Gobierno", ["spain"]),
    ],
)
async def test_keyword_search_in_every_language(store: Store, query: str, expected: list[str]) -> None:
    ids = await stored(store)
    names = {article_id: name for name, article_id in ids.items()}
    found = [names[article.id] for article in await store.articles.search(query)]
    assert found == expected
    candidates = [names[i] for i in await store.articles.keyword_ids(query)]
    assert candidates == expected


def test_query_words_lower_case_like_the_indexes() -> None:
    assert query_words("Beschließt ГАЗА «єОселя»") == ["beschließt", "газа", "єоселя"]


def test_topic_words_match_whole_words_in_any_script() -> None:
    article_words = words_of(f"{RUSSIAN_TALKS[0]} {RUSSIAN_TALKS[1]}")
    assert words_match("Минске", article_words) and words_match("ГАЗ лукашенко", article_words)
    assert not words_match("Минск", article_words)  # no stemming: the exact word form
    assert words_match("Wärmepumpen", words_of(GERMAN_CLIMATE[1]))
    assert words_match("ЄОСЕЛЯ", words_of(UKRAINIAN[1]))


def test_only_latin_text_is_given_to_the_english_embedder() -> None:
    embedder = MiniLMEmbedder.__new__(MiniLMEmbedder)  # the attributes only: no model is loaded
    assert reads_text(embedder, "European Union") and reads_text(embedder, "Wärmepumpen 2024")
    assert not reads_text(embedder, "Минск") and not reads_text(embedder, "переговоры EU")
    assert latin_share("123 !") == 1.0


REVISION_0013_ARTICLES = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("body", sa.Text),
    sa.column("posted_by", sa.BigInteger),
    sa.column("created_at", UTCDateTime()),
    sa.column("summary", sa.Text),
    sa.column("summarizer", sa.String),
    sa.column("content_hash", sa.String),
    sa.column("language", sa.String),
)
REVISION_0013_EMBEDDINGS = sa.table(
    "article_embeddings", sa.column("article_id", sa.Integer), sa.column("model", sa.String)
)


async def test_0014_drops_the_minilm_vectors_of_non_english_articles(db_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, db_url, "0013")
    old = await Store.open(db_url, migrate=False)
    languages = {1: "en", 2: "ru", 3: None, 4: "de", 5: "ru"}
    try:
        async with old.engine.begin() as connection:
            await connection.execute(
                insert(REVISION_0013_ARTICLES),
                [
                    {"id": i, "title": f"t{i}", "body": "b", "posted_by": 1, "created_at": T0}
                    | {
                        "summary": "s",
                        "summarizer": "extractive",
                        "content_hash": str(i),
                        "language": language,
                    }
                    for i, language in languages.items()
                ],
            )
            await connection.execute(
                sa.text("INSERT INTO article_embeddings (article_id, model, vector) VALUES (:a, :m, :v)"),
                [{"a": i, "m": "all-MiniLM-L6-v2", "v": b"\0" * 8} for i in range(1, 5)]
                + [{"a": 5, "m": "another-multilingual-model", "v": b"\0" * 8}],
            )
    finally:
        await old.close()
    upgraded = await Store.open(db_url)
    try:
        async with upgraded.engine.connect() as connection:
            rows = await connection.execute(
                select(REVISION_0013_EMBEDDINGS.c.article_id).order_by(REVISION_0013_EMBEDDINGS.c.article_id)
            )
            assert [row[0] for row in rows] == [1, 3, 5]  # English, unknown, another model's
    finally:
        await upgraded.close()
