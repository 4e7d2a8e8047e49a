"""Tests for bot.storage on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.storage import (
    Article,
    DuplicateArticleError,
    StorageError,
    Store,
    Subscriber,
    SubscriberNotFoundError,
    content_hash,
)
from bot.storage import ledger as ledger_module
from bot.storage import migrate as migrations
from bot.storage.ledger import Cutoff, PartText, PlannedDigest
from bot.storage.models import DigestDeliveryRow, DigestPlanRow, DigestTextRow, UTCDateTime
from bot.storage.types import DigestDefaults
from tests.delivery_helpers import record_digest
from tests.digest_helpers import ledger_deliveries, ledger_entries

T0 = datetime(2024, 11, 28, 12, 0, tzinfo=UTC)
HEAD_REVISION = "0018"  # the newest migration
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


async def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema so every test starts from an empty database."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return a URL of an empty database for the parametrized backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/t.db"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL tests skipped")
    await reset_postgres(url)
    return url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    """Yield a migrated Store on the parametrized backend."""
    opened = await Store.open(db_url)
    try:
        yield opened
    finally:
        await opened.close()


async def add(
    store: Store,
    title: str,
    body: str,
    *,
    created_at: datetime = T0,
    summary: str = "summary",
    source_url: str | None = None,
) -> Article:
    """Add an article with boring defaults."""
    return await store.articles.add(
        title=title,
        body=body,
        summary=summary,
        summarizer="test",
        posted_by=42,
        source_url=source_url,
        created_at=created_at,
    )


async def table_names(store: Store) -> set[str]:
    """Return the names of the tables in the store's database."""

    def names(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with store.engine.connect() as connection:
        return await connection.run_sync(names)


async def alembic_revision(store: Store) -> str | None:
    """Return the revision recorded in alembic_version."""
    async with store.engine.connect() as connection:
        return (
            await connection.execute(text("SELECT version_num FROM alembic_version"))
        ).scalar_one_or_none()


# migrations


async def test_migrations_apply_on_empty_db_and_are_idempotent(db_url: str) -> None:
    first = await Store.open(db_url)
    try:
        assert first.dialect in ("sqlite", "postgresql")
        tables = await table_names(first)
        assert {"articles", "subscribers", "digest_deliveries", "digest_parts", "digest_texts"} <= tables
        assert {"feeds", "feed_entries", "topics", "article_embeddings", "alembic_version"} <= tables
        assert "digest_plans" in tables
        if first.dialect == "sqlite":
            assert "articles_fts" in tables
        assert await alembic_revision(first) == HEAD_REVISION
        await add(first, "Kept", "survives reopening")
    finally:
        await first.close()
    second = await Store.open(db_url)
    try:
        assert await alembic_revision(second) == HEAD_REVISION
        assert [a.title for a in await second.articles.latest(5)] == ["Kept"]
    finally:
        await second.close()
    unmigrated = await Store.open(db_url, migrate=False)
    try:
        assert len(await unmigrated.articles.latest(5)) == 1
    finally:
        await unmigrated.close()


async def test_downgrade_base_then_upgrade_again(db_url: str) -> None:
    opened = await Store.open(db_url)
    await add(opened, "Doomed", "dropped by the downgrade")
    await opened.close()
    await asyncio.to_thread(migrations.downgrade, db_url)
    reopened = await Store.open(db_url, migrate=False)
    try:
        assert await table_names(reopened) == {"alembic_version"}
        assert await alembic_revision(reopened) is None
    finally:
        await reopened.close()
    await asyncio.to_thread(migrations.upgrade, db_url)
    fresh = await Store.open(db_url)
    try:
        assert await fresh.articles.latest(5) == []
        await add(fresh, "Reborn", "searchable again")
        assert [a.title for a in await fresh.articles.search("searchable")] == ["Reborn"]
    finally:
        await fresh.close()


async def test_sqlite_creates_parent_dirs(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/nested/deeper/bot.db"
    opened = await Store.open(url)
    try:
        assert (tmp_path / "nested" / "deeper" / "bot.db").exists()
        await add(opened, "Title", "body")
    finally:
        await opened.close()


async def test_in_memory_sqlite_works() -> None:
    async with await Store.open("sqlite+aiosqlite://") as opened:
        added = await add(opened, "Memory", "lives only in memory")
        assert await opened.articles.get(added.id) == added
        assert await opened.articles.search("memory") == [added]
        planned = [PlannedDigest(1, date(2024, 11, 28), T0, 1, (PartText("hello"),))]
        created = await asyncio.gather(*(opened.ledger.plan(planned, T0) for _ in range(5)))
        assert sorted(len(ids) for ids in created) == [0, 0, 0, 0, 1]
        created = await asyncio.gather(
            *(opened.subscribers.ensure(i, digest_time=time(8), timezone="UTC", now=T0) for i in range(10))
        )
        assert [s.chat_id for s in created] == list(range(10))


# articles


async def test_add_get_latest(store: Store) -> None:
    first = await add(store, "First", "one", created_at=T0, source_url="https://example.com/1")
    second = await add(store, "Second", "two", created_at=T0 + timedelta(minutes=1))
    third = await add(store, "Third", "three", created_at=T0 + timedelta(minutes=2))
    assert first.id != second.id
    assert first.source_url == "https://example.com/1"
    assert first.content_hash == content_hash("First", "one")
    assert await store.articles.get(first.id) == first
    assert await store.articles.get(first.id + 1000) is None
    assert await store.articles.latest(2) == [third, second]
    assert await store.articles.latest(10) == [third, second, first]


async def test_duplicate_detection_ignores_title_case_whitespace_punctuation(store: Store) -> None:
    original = await add(store, "Original", "The quick brown fox\njumps over the lazy dog.")
    for title, body in [
        ("Re-titled", "The quick brown fox\njumps over the lazy dog."),
        ("Shouting", "THE QUICK   BROWN FOX JUMPS OVER THE LAZY DOG"),
        ("Spaced", "  the quick brown fox, jumps over the lazy dog!  "),
    ]:
        with pytest.raises(DuplicateArticleError) as caught:
            await add(store, title, body)
        assert caught.value.existing_id == original.id
        assert isinstance(caught.value, StorageError)
        assert await store.articles.find_duplicate(title, body) == original
    assert await store.articles.find_duplicate("Original", "a different body") is None
    assert len(await store.articles.latest(10)) == 1


async def test_concurrent_duplicates_yield_one_article(store: Store) -> None:
    results = await asyncio.gather(
        *(add(store, f"Title {i}", "Same body posted five times.") for i in range(5)), return_exceptions=True
    )
    articles = [r for r in results if isinstance(r, Article)]
    errors = [r for r in results if isinstance(r, DuplicateArticleError)]
    assert len(articles) == 1
    assert len(errors) == 4
    assert {e.existing_id for e in errors} == {articles[0].id}


async def test_datetimes_round_trip_as_aware_utc(store: Store) -> None:
    plus_five = timezone(timedelta(hours=5))
    local = datetime(2024, 11, 28, 17, 30, 15, 123456, tzinfo=plus_five)
    added = await add(store, "Zoned", "created in UTC+5", created_at=local)
    fetched = await store.articles.get(added.id)
    assert fetched is not None
    for article in (added, fetched):
        assert article.created_at == local
        assert article.created_at.utcoffset() == timedelta(0)
        assert article.created_at == datetime(2024, 11, 28, 12, 30, 15, 123456, tzinfo=UTC)
    with pytest.raises(ValueError):
        await add(store, "Naive", "no tz", created_at=datetime(2024, 1, 1))


async def test_articles_between_bounds_and_order(store: Store) -> None:
    at = [await add(store, f"A{i}", f"body {i}", created_at=T0 + timedelta(hours=i)) for i in range(4)]
    between = await store.articles.between(T0, T0 + timedelta(hours=2))
    assert between == [at[1], at[2]]  # start excluded, end included, oldest first
    assert await store.articles.between(T0 - timedelta(days=1), T0 + timedelta(days=1)) == at
    assert await store.articles.between(T0 + timedelta(hours=3), T0 + timedelta(days=1)) == []
    moscow = timezone(timedelta(hours=3))
    assert await store.articles.between(
        T0.astimezone(moscow), (T0 + timedelta(hours=1)).astimezone(moscow)
    ) == [at[1]]


async def test_title_and_url_length_validated(store: Store) -> None:
    with pytest.raises(ValueError):
        await add(store, "x" * 301, "too long title")
    with pytest.raises(ValueError):
        await add(store, "Long URL", "too long url", source_url="https://" + "a" * 2048)
    assert len((await add(store, "x" * 300, "exactly at the limit")).title) == 300


# search


async def test_search_relevance_then_newest(store: Store) -> None:
    strong = await add(
        store,
        "Quantum computing breakthrough",
        "Researchers built a quantum processor with new error correction for quantum chips.",
        created_at=T0,
    )
    weak = await add(
        store,
        "Weekly technology roundup",
        "Phones, laptops, a quantum rumour, electric cars, and many other gadgets were announced this week.",
        created_at=T0 + timedelta(hours=1),
    )
    await add(store, "Unrelated", "Nothing to see here.", created_at=T0 + timedelta(hours=2))
    assert await store.articles.search("quantum") == [strong, weak]
    assert await store.articles.search("quantum", limit=1) == [strong]
    assert await store.articles.search("quantum", limit=0) == []


async def test_search_ties_are_newest_first(store: Store) -> None:
    older = await add(store, "Market alpha", "Stocks rose today", created_at=T0)
    newer = await add(store, "Market gamma", "Stocks fell today", created_at=T0 + timedelta(hours=1))
    assert await store.articles.search("market") == [newer, older]


async def test_search_requires_all_words_and_matches_prefixes(store: Store) -> None:
    both = await add(store, "Fruit prices", "Apple and banana prices climbed.")
    apple_only = await add(store, "Tech", "Apple released a phone.", created_at=T0 + timedelta(hours=1))
    assert await store.articles.search("apple banana") == [both]
    assert await store.articles.search("BANANA, apple!") == [both]
    assert {a.id for a in await store.articles.search("appl")} == {both.id, apple_only.id}
    assert await store.articles.search("apple cherry") == []


async def test_search_matches_summary(store: Store) -> None:
    article = await add(store, "Plain", "Plain body.", summary="Mentions zeppelins.")
    assert await store.articles.search("zeppelin") == [article]


@pytest.mark.parametrize(
    "query",
    [
        "a < b & c",
        '"',
        '""',
        "*",
        "NEAR(",
        "NEAR(a b, 3)",
        "OR",
        "a OR b",
        "AND NOT",
        "title:foo",
        "-foo",
        "^foo",
        "foo:*",
        "!(a | b)",
        "'",
        "\\",
        "🎉🔥",
        "",
        "   ",
        "_",
        "x" * 500,
        " ".join(f"w{i}" for i in range(100)),
    ],
)
async def test_hostile_queries_do_not_raise(store: Store, query: str) -> None:
    await add(store, "Harmless", "A harmless article about a, b and c, with foo.")
    assert isinstance(await store.articles.search(query), list)


async def test_search_empty_query_returns_nothing(store: Store) -> None:
    await add(store, "Something", "Something is here.")
    assert await store.articles.search("") == []
    assert await store.articles.search("?! 🎉") == []


async def test_search_cyrillic(store: Store) -> None:
    moscow = await add(store, "Новости", "Сегодня в Москва прошёл снег.")
    await add(store, "Other", "Snow fell in Boston.")
    assert await store.articles.search("Москва") == [moscow]
    assert await store.articles.search("москва") == [moscow]
    assert await store.articles.search("Моск") == [moscow]


async def test_search_sees_updates(store: Store) -> None:
    article = await add(store, "Before", "Original wording.")
    async with store.engine.begin() as connection:
        await connection.execute(
            text("UPDATE articles SET body = 'Rewritten with platypus.' WHERE id = :id"), {"id": article.id}
        )
    assert [a.id for a in await store.articles.search("platypus")] == [article.id]
    assert await store.articles.search("wording") == []


async def test_delete_removes_from_search(store: Store) -> None:
    doomed = await add(store, "Doomed", "Elephants migrate north.")
    kept = await add(store, "Kept", "Elephants sleep standing.")
    assert await store.articles.delete(doomed.id) is True
    assert await store.articles.delete(doomed.id) is False
    assert await store.articles.get(doomed.id) is None
    assert await store.articles.search("elephants") == [kept]
    assert await store.articles.search("migrate") == []


# subscribers


async def test_subscriber_lifecycle(store: Store) -> None:
    assert await store.subscribers.get(1) is None
    created = await store.subscribers.ensure(1, digest_time=time(20, 0), timezone="Europe/Moscow", now=T0)
    assert created.chat_id == 1
    assert created.subscribed is False
    assert created.blocked is False
    assert created.digest_time == time(20, 0)
    assert created.timezone == "Europe/Moscow"
    assert created.created_at == T0
    again = await store.subscribers.ensure(
        1, digest_time=time(9, 0), timezone="UTC", now=T0 + timedelta(days=1)
    )
    assert again == created
    assert await store.subscribers.subscribed() == []

    subscribed = await store.subscribers.set_subscribed(1, True, now=T0)
    assert subscribed.subscribed is True
    assert (await store.subscribers.set_digest_time(1, time(7, 30, 15), now=T0)).digest_time == time(
        7, 30, 15
    )
    assert (
        await store.subscribers.set_timezone(1, "America/New_York", now=T0)
    ).timezone == "America/New_York"
    assert await store.subscribers.get(1) == Subscriber(
        chat_id=1,
        subscribed=True,
        digest_time=time(7, 30, 15),
        timezone="America/New_York",
        created_at=T0,
        blocked=False,
    )
    await store.subscribers.ensure(2, digest_time=time(20, 0), timezone="UTC", now=T0)
    await store.subscribers.set_subscribed(2, True, now=T0)
    assert [s.chat_id for s in await store.subscribers.subscribed()] == [1, 2]

    await store.subscribers.mark_blocked(1)
    blocked = await store.subscribers.get(1)
    assert blocked is not None
    assert (blocked.subscribed, blocked.blocked) == (False, True)
    assert [s.chat_id for s in await store.subscribers.subscribed()] == [2]
    resubscribed = await store.subscribers.set_subscribed(1, True, now=T0)
    assert (resubscribed.subscribed, resubscribed.blocked) == (True, False)
    unsubscribed = await store.subscribers.set_subscribed(2, False, now=T0)
    assert unsubscribed.subscribed is False
    assert [s.chat_id for s in await store.subscribers.subscribed()] == [1]

    await store.subscribers.mark_blocked(999)  # unknown chat: no-op
    assert await store.subscribers.get(999) is None
    with pytest.raises(SubscriberNotFoundError):
        await store.subscribers.set_subscribed(999, True, now=T0)
    with pytest.raises(ValueError):
        await store.subscribers.set_digest_time(1, time(8, 0, tzinfo=UTC), now=T0)


async def test_large_chat_ids(store: Store) -> None:
    group_chat = -1001234567890
    created = await store.subscribers.ensure(group_chat, digest_time=time(8), timezone="UTC", now=T0)
    assert created.chat_id == group_chat
    article = await store.articles.add(
        title="Big", body="big ids", summary="s", summarizer="x", posted_by=9_876_543_210, created_at=T0
    )
    assert article.posted_by == 9_876_543_210


# digest deliveries


async def test_concurrent_plans_of_one_digest_create_one_delivery(store: Store) -> None:
    day = date(2024, 11, 28)
    planned = [PlannedDigest(7, day, T0, 1, (PartText("hello"),))]
    results = await asyncio.gather(*(store.ledger.plan(planned, T0) for _ in range(5)))
    assert sorted(len(created) for created in results) == [0, 0, 0, 0, 1]
    assert [entry.status for entry in await ledger_entries(store, 7)] == ["pending"]


async def test_last_cutoffs_are_the_latest_sent_digests_content_cut_offs(store: Store) -> None:
    day = date(2024, 11, 27)
    assert await store.ledger.last_cutoffs([1, 2]) == {}
    await record_digest(store, 1, day, "sent", T0)
    await record_digest(store, 1, day + timedelta(days=1), "empty", T0 + timedelta(days=1))
    await record_digest(store, 1, day + timedelta(days=2), "failed", T0 + timedelta(days=2))
    await record_digest(store, 2, day, "blocked", T0)
    # only digests Telegram accepted count
    assert await store.ledger.last_cutoffs([1, 2, 3]) == {1: Cutoff(T0, frozenset())}
    await record_digest(store, 1, day + timedelta(days=3), "sent", T0 + timedelta(days=3))
    cutoff = (await store.ledger.last_cutoffs([1]))[1]
    assert cutoff.at == T0 + timedelta(days=3) and cutoff.at.tzinfo is not None


async def test_last_cutoffs_carry_the_recent_articles_their_plan_read(store: Store) -> None:
    day = date(2024, 11, 28)
    planned = [PlannedDigest(chat, day, T0, 1, (PartText("hello"),)) for chat in (1, 2)]
    await store.ledger.plan(planned, T0, [12, 11, 12])
    await store.ledger.plan([PlannedDigest(3, day, T0, 1, (PartText("hi"),))], T0, [13])
    owner = "test"
    claims = await store.ledger.claim(
        owner, T0, lease=timedelta(seconds=30), limit=100, retry_window=timedelta(hours=20)
    )
    for claim in claims:
        assert await store.ledger.finish(claim.delivery_id, owner, status="sent", now=T0)
    cutoffs = await store.ledger.last_cutoffs([1, 2, 3])
    assert cutoffs == {1: Cutoff(T0, frozenset({11, 12})), 2: cutoffs[1], 3: Cutoff(T0, frozenset({13}))}
    assert cutoffs[1] is cutoffs[2]  # one object per plan, shared by its chats


@pytest.mark.parametrize("chunk", [1, 2000])
async def test_prune_forgets_old_digests_but_keeps_each_chats_cut_off(
    store: Store, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_module, "PRUNE_CHUNK", chunk)  # 1: every delivery in its own transaction
    day, recent = date(2024, 1, 1), T0 + timedelta(days=200)
    later = T0 + timedelta(days=1)
    doomed = [
        await record_digest(store, 1, day, "sent", T0),  # chat 1 sent a newer one later
        await record_digest(store, 2, day + timedelta(days=1), "failed", later),  # never sent
        await record_digest(store, 3, day, "sent", T0),  # chat 3 has a recent one
        await record_digest(store, 4, day, "empty", T0),
    ]
    kept = [
        await record_digest(store, 1, day + timedelta(days=1), "sent", later),  # chat 1's latest sent
        await record_digest(store, 2, day, "sent", T0),  # chat 2's latest sent: old, but its cut-off
        await record_digest(store, 3, recent.date(), "sent", recent),
    ]
    cutoffs = await store.ledger.last_cutoffs([1, 2, 3, 4])
    assert await store.ledger.prune(recent - timedelta(days=90)) == len(doomed)
    assert await store.ledger.last_cutoffs([1, 2, 3, 4]) == cutoffs  # every next digest starts as before
    assert {(chat, status) for chat, status, _ in await ledger_deliveries(store)} == {
        (1, "sent"),
        (2, "sent"),
        (3, "sent"),
    }
    assert {e.chat_id for e in await ledger_entries(store)} == {1, 2, 3}  # their parts only
    async with store.engine.connect() as connection:
        texts = (await connection.execute(select(func.count()).select_from(DigestTextRow))).scalar()
        plans = (await connection.execute(select(func.count()).select_from(DigestPlanRow))).scalar()
        ids = set((await connection.execute(select(DigestDeliveryRow.id))).scalars())
    assert texts == len(kept) and plans == len(kept) and ids == set(kept)
    assert await store.ledger.prune(recent - timedelta(days=90)) == 0  # nothing more to do


async def test_prune_spares_a_plan_being_written(store: Store) -> None:
    """plan() commits its plan row and texts before its deliveries and parts: a prune between keeps both."""
    old, now = T0, T0 + timedelta(days=200)
    await record_digest(store, 1, old.date(), "failed", old)  # something to prune
    async with store.engine.begin() as connection:  # what plan() has committed so far
        await connection.execute(
            insert(DigestPlanRow.__table__), {"cutoff": now, "recent_article_ids": "[7]"}
        )
        await connection.execute(
            insert(DigestTextRow.__table__), {"text_hash": "h" * 64, "html": "tonight's digest"}
        )
    assert await store.ledger.prune(now - timedelta(days=90)) == 1
    async with store.engine.connect() as connection:
        plans = list((await connection.execute(select(DigestPlanRow.recent_article_ids))).scalars())
        texts = list((await connection.execute(select(DigestTextRow.html))).scalars())
    assert plans == ["[7]"] and texts == ["tonight's digest"]  # the old plan and text are gone


REVISION_0004_DELIVERIES = sa.table(
    "digest_deliveries",
    sa.column("chat_id", sa.BigInteger()),
    sa.column("digest_date", sa.Date()),
    sa.column("status", sa.String()),
    sa.column("claimed_at", UTCDateTime()),
    sa.column("article_count", sa.Integer()),
    sa.column("attempts", sa.Integer()),
)


async def test_deliveries_planned_before_0005_have_no_recent_articles(db_url: str) -> None:
    """A digest sent before plans were recorded keeps its exact cut-off (no look-back) after upgrading."""
    await asyncio.to_thread(migrations.upgrade, db_url, "0004")
    old = await Store.open(db_url, migrate=False)
    try:
        async with old.engine.begin() as connection:
            await connection.execute(  # the columns revision 0004 has (the cut-off was named claimed_at)
                insert(REVISION_0004_DELIVERIES),
                {"chat_id": 1, "digest_date": date(2024, 11, 28), "status": "sent", "claimed_at": T0}
                | {"article_count": 0, "attempts": 0},
            )
    finally:
        await old.close()
    upgraded = await Store.open(db_url)
    try:
        assert await upgraded.ledger.last_cutoffs([1]) == {1: Cutoff(T0, None)}
    finally:
        await upgraded.close()


async def test_stats(store: Store) -> None:
    now = datetime(2024, 11, 28, 1, 0, tzinfo=UTC)
    for chat in (1, 2, 3, 4):
        await store.subscribers.ensure(chat, digest_time=time(20), timezone="UTC", now=now)
    await store.subscribers.set_subscribed(1, True, now=now)
    await store.subscribers.set_subscribed(2, True, now=now)
    await store.subscribers.set_subscribed(3, True, now=now)
    await store.subscribers.mark_blocked(3)
    await add(store, "Old", "old article", created_at=now - timedelta(days=2))
    await add(store, "Recent", "recent article", created_at=now - timedelta(hours=23))
    await add(store, "Newest", "newest article", created_at=now)
    # sent yesterday (UTC), sent today, empty today, failed today
    await record_digest(store, 1, date(2024, 11, 27), "sent", now - timedelta(hours=2))
    await record_digest(store, 2, date(2024, 11, 28), "sent", now - timedelta(minutes=30))
    await record_digest(store, 1, date(2024, 11, 28), "empty", now)
    await record_digest(store, 4, date(2024, 11, 28), "failed", now)
    plus_three = timezone(timedelta(hours=3))
    for when in (now, now.astimezone(plus_three)):  # "today" is the UTC date regardless of the offset
        stats = await store.stats.totals(when)
        assert stats.subscribers_total == 4
        assert stats.subscribers_active == 2
        assert stats.subscribers_blocked == 1
        assert stats.articles_total == 3
        assert stats.articles_last_24h == 2
        assert stats.digests_sent_total == 2
        assert stats.digests_sent_today == 1


# hashing


def test_content_hash_normalization() -> None:
    base = content_hash("A", "Hello,   World!\nSecond line.")
    assert base == content_hash("B", "hello world second line")
    assert base != content_hash("A", "Hello world, third line.")
    assert len(base) == 64
    assert content_hash("x", "🎉") != content_hash("x", "🔥")
    assert content_hash("x", "Straße") == content_hash("y", "STRASSE")


# topics, embeddings, keyword candidates, digest layout (issue 6)


async def test_embeddings_round_trip_and_cascade(store: Store) -> None:
    a = await add(store, "Rail strike", "Rail workers strike today.")
    b = await add(store, "Weather", "Rain tomorrow.")
    await store.articles.set_embedding(a.id, "m", b"\x00" * 8)
    await store.articles.set_embedding(a.id, "m", b"\x01" * 8)  # replaced, not duplicated
    await store.articles.set_embedding(b.id, "other-model", b"\x02" * 8)
    assert await store.articles.embeddings_after(0, "m") == [(a.id, b"\x01" * 8)]
    assert await store.articles.embeddings_after(a.id, "m") == []
    assert await store.articles.embeddings([a.id, b.id], "other-model") == {b.id: b"\x02" * 8}
    assert await store.articles.delete(a.id)
    assert await store.articles.embeddings([a.id], "m") == {}
    with pytest.raises(IntegrityError):
        await store.articles.set_embedding(999, "m", b"\x00")


async def test_keyword_candidates_match_any_word_and_get_articles_keeps_order(store: Store) -> None:
    rail = await add(
        store, "Rail strike", "Rail workers strike. The rail union says the rail strike will last."
    )
    bus = await add(store, "Bus news", "A strike of bus drivers.")
    await add(store, "Weather", "Rain tomorrow.")
    assert await store.articles.keyword_ids("rail strike") == [rail.id, bus.id]
    assert await store.articles.keyword_ids("'\" OR *") == []
    assert [a.id for a in await store.articles.get_many([bus.id, 999, rail.id])] == [bus.id, rail.id]


async def test_topics_follow_mute_switch_and_remove(store: Store) -> None:
    await store.topics.set(5, "follow", "EU", b"v1", now=T0)
    await store.topics.set(5, "mute", "football", None, now=T0)
    await store.topics.set(6, "follow", "EU", None, now=T0)
    switched = await store.topics.set(5, "mute", "EU", b"v2", now=T0)
    assert (switched.kind, switched.vector) == ("mute", b"v2")
    assert [(t.kind, t.phrase) for t in await store.topics.of_chat(5)] == [
        ("mute", "EU"),
        ("mute", "football"),
    ]
    assert not await store.topics.remove(5, "EU", "follow")
    assert await store.topics.remove(5, "EU", "mute")
    assert [t.phrase for t in await store.topics.of_chat(5)] == ["football"]
    assert [t.phrase for t in await store.topics.of_chat(6)] == ["EU"]
    with pytest.raises(ValueError):
        await store.topics.set(5, "love", "x", None, now=T0)
    with pytest.raises(ValueError):
        await store.topics.set(5, "follow", "x" * 101, None, now=T0)


async def test_digest_layout_defaults_to_compact(store: Store) -> None:
    sub = await store.subscribers.ensure(
        7, digest_time=T0.time().replace(tzinfo=None), timezone="UTC", now=T0
    )
    assert sub.digest_layout == "compact"
    assert (await store.subscribers.set_layout(7, "full")).digest_layout == "full"
    with pytest.raises(ValueError):
        await store.subscribers.set_layout(7, "huge")


async def test_daily_stats_buckets_the_last_30_days(store: Store) -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    await store.subscribers.ensure(1, digest_time=time(19), timezone="UTC", now=now - timedelta(days=40))
    await store.subscribers.ensure(2, digest_time=time(19), timezone="UTC", now=now - timedelta(days=2))
    await add(store, "Old", "too old to count", created_at=now - timedelta(days=31))
    await add(store, "A", "two days ago", created_at=now - timedelta(days=2))
    await add(store, "B", "today", created_at=now)
    outcomes = [(1, 27, "sent"), (2, 27, "blocked"), (1, 28, "failed")]
    for chat, day, status in outcomes:
        await record_digest(store, chat, date(2026, 11, day), status, now)
    await record_digest(store, 1, date(2026, 10, 29), "sent", now)
    daily = await store.stats.daily(now, days=30)
    assert daily.days[0] == date(2026, 10, 30) and daily.days[-1] == date(2026, 11, 28)
    assert daily.subscribers[0] == 1 and daily.subscribers[-1] == 2 and daily.subscribers[-3] == 2
    assert sum(daily.articles) == 2 and daily.articles[-1] == 1 and daily.articles[-3] == 1
    assert (daily.sent[-2], daily.blocked[-2], daily.failed[-1]) == (1, 1, 1)
    assert sum(daily.sent) == 1  # 29 October is outside the window


REVISION_0009_SUBSCRIBERS = sa.table(
    "subscribers",
    sa.column("chat_id", sa.BigInteger()),
    sa.column("subscribed", sa.Boolean()),
    sa.column("digest_time", sa.Time()),
    sa.column("timezone", sa.String()),
    sa.column("created_at", UTCDateTime()),
    sa.column("blocked", sa.Boolean()),
)


async def test_0007_rows_equal_to_the_default_follow_it(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Rows holding the default of the time they were created (DIGEST_TIME / TIMEZONE as the migration
    reads them) become "no choice"; the others keep their own; a downgrade writes the default back."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DIGEST_TIME", "18:30")
    monkeypatch.setenv("TIMEZONE", "Europe/Berlin")
    await asyncio.to_thread(migrations.upgrade, db_url, "0009")
    rows = [(1, time(18, 30), "Europe/Berlin"), (2, time(7), "Europe/Berlin"), (3, time(18, 30), "UTC")]
    rows.append((4, time(19), "UTC"))  # the built-in defaults, but not this outlet's
    old = await Store.open(db_url, migrate=False)
    try:
        async with old.engine.begin() as connection:
            await connection.execute(
                insert(REVISION_0009_SUBSCRIBERS),
                [
                    {"chat_id": chat, "subscribed": True, "digest_time": at, "timezone": zone}
                    | {"created_at": T0, "blocked": False}
                    for chat, at, zone in rows
                ],
            )
    finally:
        await old.close()
    upgraded = await Store.open(db_url)
    try:
        found = [await upgraded.subscribers.get(chat) for chat, _, _ in rows]
        assert [(s.digest_time, s.timezone) for s in found if s is not None] == [
            (None, None),
            (time(7), None),
            (None, "UTC"),
            (time(19), "UTC"),
        ]
    finally:
        await upgraded.close()
    monkeypatch.setenv("DIGEST_TIME", "06:00")  # the default at the time of the downgrade is written in
    await asyncio.to_thread(migrations.downgrade, db_url, "0009")
    engine = create_async_engine(db_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            back = await connection.execute(
                select(
                    REVISION_0009_SUBSCRIBERS.c.digest_time, REVISION_0009_SUBSCRIBERS.c.timezone
                ).order_by(REVISION_0009_SUBSCRIBERS.c.chat_id)
            )
            assert list(back) == [
                (time(6), "Europe/Berlin"),
                (time(7), "Europe/Berlin"),
                (time(6), "UTC"),
                (time(19), "UTC"),
            ]
    finally:
        await engine.dispose()


async def test_chats_due_without_a_ledger_row(store: Store) -> None:
    """The sweep's queries: the distinct schedules (defaults filled in) and, for one day, the subscribed
    chats of some of them that have no delivery for that day."""
    defaults = DigestDefaults(time(18), "Europe/Berlin")
    day = date(2024, 11, 28)
    for chat, at, zone in [(1, None, None), (2, time(18), None), (3, None, "UTC"), (4, time(7), "UTC")]:
        await store.subscribers.ensure(chat, digest_time=at, timezone=zone, now=T0)
        await store.subscribers.set_subscribed(chat, True, now=T0 + timedelta(minutes=chat))
    await store.subscribers.ensure(5, now=T0)  # never subscribed
    assert await store.subscribers.slots(defaults) == {
        (time(18), "Europe/Berlin"),
        (time(18), "UTC"),
        (time(7), "UTC"),
    }
    await record_digest(store, 2, day, "sent", T0)
    await record_digest(store, 1, day - timedelta(days=1), "sent", T0)  # yesterday's does not count
    found = await store.subscribers.without_digest(
        day, [(time(18), "Europe/Berlin"), (time(7), "UTC")], defaults
    )
    assert sorted(found) == [
        (1, (time(18), "Europe/Berlin"), T0 + timedelta(minutes=1)),
        (4, (time(7), "UTC"), T0 + timedelta(minutes=4)),
    ]
    await store.subscribers.mark_blocked(4)
    assert [
        chat for chat, _, _ in await store.subscribers.without_digest(day, [(time(7), "UTC")], defaults)
    ] == []


async def test_skipped_digests_are_recorded_once_and_never_claimed(store: Store) -> None:
    day = date(2024, 11, 28)
    await record_digest(store, 2, day, "sent", T0)
    assert await store.ledger.skip([(1, day), (2, day)], T0, "too late") == 1  # chat 2 has its digest
    assert await store.ledger.skip([(1, day)], T0, "too late") == 0
    planned = PlannedDigest(1, day, T0, 1, (PartText("late digest"),))
    assert await store.ledger.plan([planned], T0) == []  # another instance planning it now: nothing
    assert await ledger_deliveries(store) == [(2, "sent", None), (1, "skipped", "too late")]
    claims = await store.ledger.claim(
        "x", T0 + timedelta(hours=1), lease=timedelta(seconds=30), limit=10, retry_window=timedelta(hours=20)
    )
    assert claims == []
    daily = await store.stats.daily(T0)
    assert (daily.sent[-1], daily.skipped[-1]) == (1, 1)
    assert await store.ledger.prune(T0 + timedelta(days=1)) == 1  # a finished row: pruned with age
