"""Async persistence facade: every method runs in its own short transaction and returns plain dataclasses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import CursorResult, delete, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from bot.storage import migrate as migrations
from bot.storage.errors import DuplicateArticleError, SubscriberNotFoundError
from bot.storage.feed_store import FeedStoreMixin
from bot.storage.hashing import content_hash
from bot.storage.ledger import Ledger
from bot.storage.models import (
    SOURCE_URL_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TOPIC_MAX_LENGTH,
    ArticleEmbeddingRow,
    ArticleRow,
    DigestDeliveryRow,
    SubscriberRow,
    TopicRow,
)
from bot.storage.search import (
    postgresql_keyword_ids,
    postgresql_search,
    query_words,
    sqlite_keyword_ids,
    sqlite_search,
)
from bot.storage.types import (
    DIGEST_LAYOUTS,
    TOPIC_KINDS,
    Article,
    DailyStats,
    Stats,
    Subscriber,
    Topic,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _require_aware(value: datetime, name: str) -> datetime:
    """Return value if it is timezone-aware, else raise ValueError."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value


def _require_naive_time(value: time) -> time:
    """Return value if it is a naive wall-clock time, else raise ValueError."""
    if value.tzinfo is not None:
        raise ValueError(f"digest_time must be a naive wall-clock time, got {value!r}")
    return value


def _article(row: ArticleRow) -> Article:
    """Convert an ORM row to an Article."""
    return Article(
        id=row.id,
        title=row.title,
        body=row.body,
        source_url=row.source_url,
        posted_by=row.posted_by,
        created_at=row.created_at,
        summary=row.summary,
        summarizer=row.summarizer,
        content_hash=row.content_hash,
    )


def _subscriber(row: SubscriberRow) -> Subscriber:
    """Convert an ORM row to a Subscriber."""
    return Subscriber(
        chat_id=row.chat_id,
        subscribed=row.subscribed,
        digest_time=row.digest_time,
        timezone=row.timezone,
        created_at=row.created_at,
        blocked=row.blocked,
        digest_layout=row.digest_layout,
    )


def _topic(row: TopicRow) -> Topic:
    """Convert an ORM row to a Topic."""
    return Topic(
        id=row.id,
        chat_id=row.chat_id,
        kind=row.kind,
        phrase=row.phrase,
        vector=row.vector,
        created_at=row.created_at,
    )


def _is_memory_sqlite(url: str) -> bool:
    """Tell whether url names a private in-memory SQLite database."""
    parsed = make_url(url)
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and database in ("", ":memory:")


def _create_engine(url: str) -> AsyncEngine:
    """Create the async engine, making SQLite parent dirs and enabling SQLite pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    memory = _is_memory_sqlite(url)
    migrations.ensure_sqlite_parent_dir(url)
    if memory:  # one pooled connection holds the whole database: sessions take turns on it
        engine = create_async_engine(url, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0)
    else:
        engine = create_async_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class Store(FeedStoreMixin):
    """Database access for articles, subscribers and digest deliveries."""

    def __init__(self, engine: AsyncEngine) -> None:
        """Wrap an engine whose schema is already at the latest migration."""
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.ledger = Ledger(self._sessions, engine.dialect.name)

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Create the engine for url and, unless migrate is False, run `alembic upgrade head`."""
        engine = _create_engine(url)
        try:
            if migrate and _is_memory_sqlite(url):
                async with engine.begin() as connection:  # the one shared connection holds the database
                    await connection.run_sync(_upgrade_connection)
            elif migrate:
                await asyncio.to_thread(_upgrade_url, url)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def close(self) -> None:
        """Dispose of the engine and its pooled connections."""
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        """Return self; the store is closed on exit."""
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the store."""
        await self.close()

    @property
    def dialect(self) -> str:
        """Return the backend name: "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    @property
    def engine(self) -> AsyncEngine:
        """Return the underlying engine (for tests and maintenance only)."""
        return self._engine

    def _insert(self, model: type[Any]) -> postgresql.Insert | sqlite.Insert:
        """Return a dialect-specific INSERT supporting ON CONFLICT."""
        if self.dialect == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    # articles

    async def add_article(
        self,
        *,
        title: str,
        body: str,
        summary: str,
        summarizer: str,
        posted_by: int,
        source_url: str | None = None,
        created_at: datetime,
    ) -> Article:
        """Store an article; raise DuplicateArticleError if its normalized body is already stored."""
        if len(title) > TITLE_MAX_LENGTH:
            raise ValueError(f"title longer than {TITLE_MAX_LENGTH} characters")
        if source_url is not None and len(source_url) > SOURCE_URL_MAX_LENGTH:
            raise ValueError(f"source_url longer than {SOURCE_URL_MAX_LENGTH} characters")
        _require_aware(created_at, "created_at")
        digest = content_hash(title, body)
        existing = await self._article_id_by_hash(digest)
        if existing is not None:
            raise DuplicateArticleError(existing)
        row = ArticleRow(
            title=title,
            body=body,
            source_url=source_url,
            posted_by=posted_by,
            created_at=created_at.astimezone(UTC),
            summary=summary,
            summarizer=summarizer,
            content_hash=digest,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raced = await self._article_id_by_hash(digest)
            if raced is None:
                raise
            raise DuplicateArticleError(raced) from None
        return _article(row)

    async def _article_id_by_hash(self, digest: str) -> int | None:
        """Return the id of the article with this content hash, if any."""
        async with self._sessions() as session:
            return await session.scalar(select(ArticleRow.id).where(ArticleRow.content_hash == digest))

    async def get_article(self, article_id: int) -> Article | None:
        """Return the article with this id, or None."""
        async with self._sessions() as session:
            row = await session.get(ArticleRow, article_id)
            return None if row is None else _article(row)

    async def find_duplicate(self, title: str, body: str) -> Article | None:
        """Return the stored article whose normalized body matches, or None."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(ArticleRow).where(ArticleRow.content_hash == content_hash(title, body))
            )
            return None if row is None else _article(row)

    async def latest_articles(self, limit: int) -> list[Article]:
        """Return up to limit articles, newest first."""
        stmt = select(ArticleRow).order_by(ArticleRow.created_at.desc(), ArticleRow.id.desc()).limit(limit)
        return await self._articles(stmt)

    async def articles_between(self, start: datetime, end: datetime) -> list[Article]:
        """Return articles with start < created_at <= end, oldest first."""
        stmt = (
            select(ArticleRow)
            .where(
                ArticleRow.created_at > _require_aware(start, "start"),
                ArticleRow.created_at <= _require_aware(end, "end"),
            )
            .order_by(ArticleRow.created_at.asc(), ArticleRow.id.asc())
        )
        return await self._articles(stmt)

    async def search_articles(self, query: str, limit: int = 10) -> list[Article]:
        """Full-text search requiring every word (as a prefix); best match first, then newest."""
        words = query_words(query)
        if not words or limit <= 0:
            return []
        if self.dialect == "postgresql":
            return await self._articles(postgresql_search(words, limit))
        return await self._articles(sqlite_search(words, limit))

    async def keyword_article_ids(self, query: str, limit: int = 50) -> list[int]:
        """Ids of articles matching any word of query (as a prefix), most relevant first."""
        words = query_words(query)
        if not words or limit <= 0:
            return []
        stmt = (
            postgresql_keyword_ids(words, limit)
            if self.dialect == "postgresql"
            else sqlite_keyword_ids(words, limit)
        )
        async with self._sessions() as session:
            return [int(i) for i in await session.scalars(stmt)]

    async def get_articles(self, article_ids: list[int]) -> list[Article]:
        """Return the articles with these ids, in the order given (missing ids are skipped)."""
        if not article_ids:
            return []
        found = {
            a.id: a for a in await self._articles(select(ArticleRow).where(ArticleRow.id.in_(article_ids)))
        }
        return [found[i] for i in article_ids if i in found]

    async def set_embedding(self, article_id: int, model: str, vector: bytes) -> None:
        """Store (or replace) an article's embedding."""
        values = {"article_id": article_id, "model": model, "vector": vector}
        stmt = (
            self._insert(ArticleEmbeddingRow)
            .values(values)
            .on_conflict_do_update(index_elements=[ArticleEmbeddingRow.article_id], set_=values)
        )
        async with self._sessions.begin() as session:
            await session.execute(stmt)

    async def embeddings_after(
        self, article_id: int, model: str, limit: int = 5000
    ) -> list[tuple[int, bytes]]:
        """(article id, vector bytes) of this model's embeddings with id > article_id, by id."""
        emb = ArticleEmbeddingRow
        stmt = (
            select(emb.article_id, emb.vector)
            .where(emb.article_id > article_id, emb.model == model)
            .order_by(emb.article_id)
            .limit(limit)
        )
        async with self._sessions() as session:
            return [(int(r[0]), bytes(r[1])) for r in await session.execute(stmt)]

    async def get_embeddings(self, article_ids: list[int], model: str) -> dict[int, bytes]:
        """Vector bytes of these articles' embeddings (articles without one are absent)."""
        if not article_ids:
            return {}
        emb = ArticleEmbeddingRow
        stmt = select(emb.article_id, emb.vector).where(emb.article_id.in_(article_ids), emb.model == model)
        async with self._sessions() as session:
            return {int(r[0]): bytes(r[1]) for r in await session.execute(stmt)}

    async def _articles(self, stmt: Any) -> list[Article]:
        """Run a SELECT of ArticleRow and convert the rows."""
        async with self._sessions() as session:
            return [_article(row) for row in await session.scalars(stmt)]

    async def delete_article(self, article_id: int) -> bool:
        """Delete the article (and its search entry); return True if it existed."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(ArticleRow).where(ArticleRow.id == article_id))
            return bool(cast(CursorResult[Any], result).rowcount)

    # subscribers

    async def get_subscriber(self, chat_id: int) -> Subscriber | None:
        """Return the chat's subscriber row, or None."""
        async with self._sessions() as session:
            row = await session.get(SubscriberRow, chat_id)
            return None if row is None else _subscriber(row)

    async def ensure_subscriber(
        self, chat_id: int, *, digest_time: time, timezone: str, now: datetime
    ) -> Subscriber:
        """Return the chat's subscriber, creating an unsubscribed one with these defaults if missing."""
        values = {
            "chat_id": chat_id,
            "subscribed": False,
            "digest_time": _require_naive_time(digest_time),
            "timezone": timezone,
            "created_at": _require_aware(now, "now"),
            "blocked": False,
        }
        async with self._sessions.begin() as session:
            await session.execute(self._insert(SubscriberRow).values(values).on_conflict_do_nothing())
        subscriber = await self.get_subscriber(chat_id)
        if subscriber is None:  # deleted concurrently: practically impossible, but keep the contract
            raise SubscriberNotFoundError(chat_id)
        return subscriber

    async def _update_subscriber(self, chat_id: int, **values: Any) -> Subscriber:
        """Update the chat's row and return it; raise SubscriberNotFoundError if missing."""
        async with self._sessions.begin() as session:
            row = await session.get(SubscriberRow, chat_id, with_for_update=True)
            if row is None:
                raise SubscriberNotFoundError(chat_id)
            for key, value in values.items():
                setattr(row, key, value)
            await session.flush()
            return _subscriber(row)

    async def set_subscribed(self, chat_id: int, subscribed: bool) -> Subscriber:
        """Subscribe or unsubscribe the chat; subscribing clears the blocked flag."""
        if subscribed:
            return await self._update_subscriber(chat_id, subscribed=True, blocked=False)
        return await self._update_subscriber(chat_id, subscribed=False)

    async def set_digest_time(self, chat_id: int, digest_time: time) -> Subscriber:
        """Set the chat's local digest time (naive wall-clock time)."""
        return await self._update_subscriber(chat_id, digest_time=_require_naive_time(digest_time))

    async def set_timezone(self, chat_id: int, timezone: str) -> Subscriber:
        """Set the chat's IANA timezone name (validation is the caller's job)."""
        return await self._update_subscriber(chat_id, timezone=timezone)

    async def set_digest_layout(self, chat_id: int, layout: str) -> Subscriber:
        """Set the chat's digest layout: "compact" (headlines with buttons) or "full"."""
        if layout not in DIGEST_LAYOUTS:
            raise ValueError(f"layout must be one of {sorted(DIGEST_LAYOUTS)}, got {layout!r}")
        return await self._update_subscriber(chat_id, digest_layout=layout)

    # topics

    async def set_topic(
        self, chat_id: int, kind: str, phrase: str, vector: bytes | None, *, now: datetime
    ) -> Topic:
        """Follow or mute phrase for the chat (replacing an earlier follow/mute of the same phrase)."""
        if kind not in TOPIC_KINDS:
            raise ValueError(f"kind must be one of {sorted(TOPIC_KINDS)}, got {kind!r}")
        if not phrase or len(phrase) > TOPIC_MAX_LENGTH:
            raise ValueError(f"phrase must be 1 to {TOPIC_MAX_LENGTH} characters")
        values = {"kind": kind, "vector": vector, "created_at": _require_aware(now, "now")}
        stmt = (
            self._insert(TopicRow)
            .values(chat_id=chat_id, phrase=phrase, **values)
            .on_conflict_do_update(index_elements=[TopicRow.chat_id, TopicRow.phrase], set_=values)
        )
        async with self._sessions.begin() as session:
            await session.execute(stmt)
            row = await session.scalar(
                select(TopicRow).where(TopicRow.chat_id == chat_id, TopicRow.phrase == phrase)
            )
            assert row is not None
            return _topic(row)

    async def remove_topic(self, chat_id: int, phrase: str, kind: str | None = None) -> bool:
        """Forget one of the chat's topics (of this kind, if given); True if it existed."""
        stmt = delete(TopicRow).where(TopicRow.chat_id == chat_id, TopicRow.phrase == phrase)
        if kind is not None:
            stmt = stmt.where(TopicRow.kind == kind)
        async with self._sessions.begin() as session:
            result = await session.execute(stmt)
            return bool(cast(CursorResult[Any], result).rowcount)

    async def digest_preferences(self, chat_ids: list[int]) -> dict[int, tuple[str, list[Topic]]]:
        """Each chat's digest layout and topics (oldest first), in two bulk queries for a whole fan-out."""
        prefs: dict[int, tuple[str, list[Topic]]] = {}
        async with self._sessions() as session:
            for start in range(0, len(chat_ids), 500):
                chunk = chat_ids[start : start + 500]
                layouts = await session.execute(
                    select(SubscriberRow.chat_id, SubscriberRow.digest_layout).where(
                        SubscriberRow.chat_id.in_(chunk)
                    )
                )
                for chat_id, layout in layouts:
                    prefs[chat_id] = (layout, [])
                topics = await session.scalars(
                    select(TopicRow).where(TopicRow.chat_id.in_(chunk)).order_by(TopicRow.id)
                )
                for row in topics:
                    if row.chat_id in prefs:
                        prefs[row.chat_id][1].append(_topic(row))
        return prefs

    async def list_topics(self, chat_id: int) -> list[Topic]:
        """The chat's topics, oldest first."""
        stmt = select(TopicRow).where(TopicRow.chat_id == chat_id).order_by(TopicRow.id)
        async with self._sessions() as session:
            return [_topic(row) for row in await session.scalars(stmt)]

    async def mark_blocked(self, chat_id: int) -> None:
        """Record that the bot was blocked in this chat: unsubscribe it; no-op for unknown chats."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(SubscriberRow)
                .where(SubscriberRow.chat_id == chat_id)
                .values(subscribed=False, blocked=True)
            )

    async def list_subscribed(self) -> list[Subscriber]:
        """Return all subscribed, non-blocked chats ordered by chat id."""
        stmt = (
            select(SubscriberRow)
            .where(SubscriberRow.subscribed.is_(True), SubscriberRow.blocked.is_(False))
            .order_by(SubscriberRow.chat_id)
        )
        async with self._sessions() as session:
            return [_subscriber(row) for row in await session.scalars(stmt)]

    # digest deliveries

    async def stats(self, now: datetime) -> Stats:
        """Return counters; "today" is the UTC date of now."""
        now_utc = _require_aware(now, "now").astimezone(UTC)
        day_start = datetime.combine(now_utc.date(), time(), tzinfo=UTC)
        sub, art, dd = SubscriberRow, ArticleRow, DigestDeliveryRow
        sent = dd.status == "sent"
        async with self._sessions() as session:
            subs = (
                await session.execute(
                    select(
                        func.count(),
                        func.count().filter(sub.subscribed.is_(True), sub.blocked.is_(False)),
                        func.count().filter(sub.blocked.is_(True)),
                    ).select_from(sub)
                )
            ).one()
            arts = (
                await session.execute(
                    select(
                        func.count(), func.count().filter(art.created_at > now_utc - timedelta(days=1))
                    ).select_from(art)
                )
            ).one()
            digests = (
                await session.execute(
                    select(
                        func.count().filter(sent),
                        func.count().filter(
                            sent, dd.sent_at >= day_start, dd.sent_at < day_start + timedelta(days=1)
                        ),
                    ).select_from(dd)
                )
            ).one()
        return Stats(
            subscribers_total=subs[0],
            subscribers_active=subs[1],
            subscribers_blocked=subs[2],
            articles_total=arts[0],
            articles_last_24h=arts[1],
            digests_sent_total=digests[0],
            digests_sent_today=digests[1],
        )

    async def daily_stats(self, now: datetime, days: int = 30) -> DailyStats:
        """Per UTC day over the last `days` days: subscribers (cumulative), articles, digest outcomes."""
        today = _require_aware(now, "now").astimezone(UTC).date()
        first = today - timedelta(days=days - 1)
        start = datetime.combine(first, time(), tzinfo=UTC)
        day_list = [first + timedelta(days=i) for i in range(days)]
        index = {day: i for i, day in enumerate(day_list)}
        sub, art, dd = SubscriberRow, ArticleRow, DigestDeliveryRow
        async with self._sessions() as session:
            before = await session.scalar(select(func.count()).select_from(sub).where(sub.created_at < start))
            joined = list(await session.scalars(select(sub.created_at).where(sub.created_at >= start)))
            posted = list(await session.scalars(select(art.created_at).where(art.created_at >= start)))
            outcomes = (
                await session.execute(
                    select(dd.digest_date, dd.status, func.count())
                    .where(dd.digest_date >= first)
                    .group_by(dd.digest_date, dd.status)
                )
            ).all()
        new_subs, articles = [0] * days, [0] * days
        for moment in joined:
            if (i := index.get(moment.astimezone(UTC).date())) is not None:
                new_subs[i] += 1
        for moment in posted:
            if (i := index.get(moment.astimezone(UTC).date())) is not None:
                articles[i] += 1
        by_status: dict[str, list[int]] = {k: [0] * days for k in ("sent", "failed", "blocked")}
        for digest_day, status, count in outcomes:
            if status in by_status and (i := index.get(digest_day)) is not None:
                by_status[status][i] += int(count)
        cumulative, total = [], int(before or 0)
        for count in new_subs:
            total += count
            cumulative.append(total)
        return DailyStats(
            days=day_list,
            subscribers=cumulative,
            articles=articles,
            sent=by_status["sent"],
            failed=by_status["failed"],
            blocked=by_status["blocked"],
        )


def _upgrade_url(url: str) -> None:
    """Run `alembic upgrade head` against url (blocking; meant for a worker thread)."""
    migrations.upgrade(url)


def _upgrade_connection(connection: Any) -> None:
    """Run `alembic upgrade head` on a sync connection (inside run_sync)."""
    migrations.upgrade_connection(connection)
