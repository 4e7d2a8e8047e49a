"""The articles aggregate: articles, their embeddings, full-text search and lookups by URL or content."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError

from bot.storage.database import Database, require_aware
from bot.storage.errors import DuplicateArticleError
from bot.storage.hashing import content_hash
from bot.storage.models import (
    SOURCE_NAME_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ArticleEmbeddingRow,
    ArticleReportRow,
    ArticleRevisionRow,
    ArticleRow,
)
from bot.storage.search import (
    postgresql_keyword_ids,
    postgresql_search,
    query_words,
    sqlite_keyword_ids,
    sqlite_search,
)
from bot.storage.types import Article, ArticleMeta, EditField
from bot.storage.values import check, fits


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
        source_name=row.source_name,
        published_at=row.published_at,
        image_url=row.image_url,
        language=row.language,
        summary_edited_by=row.summary_edited_by,
    )


class Articles:
    """Stored articles; every method is one short transaction."""

    def __init__(self, db: Database) -> None:
        """Use the shared database."""
        self._db = db

    async def add(
        self,
        *,
        title: str,
        body: str,
        summary: str,
        summarizer: str,
        posted_by: int,
        source_url: str | None = None,
        created_at: datetime,
        meta: ArticleMeta | None = None,
    ) -> Article:
        """Store an article; raise DuplicateArticleError if its normalized body is already stored, and
        InvalidValueError if a value does not fit its column."""
        check(
            ArticleRow,
            title=title,
            body=body,
            summary=summary,
            summarizer=summarizer,
            posted_by=posted_by,
            source_url=source_url,
        )
        require_aware(created_at, "created_at")
        meta = meta or ArticleMeta()
        digest = content_hash(title, body)
        existing = await self._id_by_hash(digest)
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
            source_name=meta.source_name[:SOURCE_NAME_MAX_LENGTH],
            published_at=(meta.published_at or created_at).astimezone(UTC),
            image_url=meta.image_url,
            language=meta.language,
        )
        try:
            async with self._db.sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raced = await self._id_by_hash(digest)
            if raced is None:
                raise
            raise DuplicateArticleError(raced) from None
        return _article(row)

    async def revise(
        self,
        article_id: int,
        field: EditField,
        text: str,
        *,
        by: int | None,
        now: datetime,
        summarizer: str = "",
    ) -> Article | None:
        """Replace the title or summary, keeping the old text in article_revisions; `by` None is a machine
        summary (/resummarize, by `summarizer`), else the editor's. The FTS index follows (triggers /
        generated column). None when there is no such article."""
        async with self._db.sessions.begin() as session:
            row = await session.get(ArticleRow, article_id, with_for_update=True)
            if row is None:
                return None
            old = row.title if field == EditField.TITLE else row.summary
            session.add(
                ArticleRevisionRow(
                    article_id=article_id,
                    field=field.value,
                    old_text=old,
                    old_summarizer=row.summarizer if field == EditField.SUMMARY else None,
                    edited_by=by,
                    edited_at=require_aware(now, "now"),
                )
            )
            if field == EditField.TITLE:
                row.title = text[:TITLE_MAX_LENGTH]
            else:
                row.summary, row.summary_edited_by = text, by
                row.summarizer = summarizer if by is None else "editor"
            await session.flush()
            return _article(row)

    async def revisions(self, article_id: int) -> list[tuple[str, str, int | None]]:
        """(field, old text, edited by) of an article's replaced titles and summaries, oldest first."""
        rev = ArticleRevisionRow
        stmt = select(rev.field, rev.old_text, rev.edited_by).where(rev.article_id == article_id)
        async with self._db.sessions() as session:
            return [(f, t, b) for f, t, b in await session.execute(stmt.order_by(rev.id))]

    async def _id_by_hash(self, digest: str) -> int | None:
        """Return the id of the article with this content hash, if any."""
        async with self._db.sessions() as session:
            return await session.scalar(select(ArticleRow.id).where(ArticleRow.content_hash == digest))

    async def get(self, article_id: int) -> Article | None:
        """Return the article with this id, or None (also for ids no article can have)."""
        if not fits(ArticleRow.id, article_id):
            return None
        async with self._db.sessions() as session:
            row = await session.get(ArticleRow, article_id)
            return None if row is None else _article(row)

    async def get_many(self, article_ids: list[int]) -> list[Article]:
        """Return the articles with these ids, in the order given (missing ids are skipped)."""
        article_ids = [i for i in article_ids if fits(ArticleRow.id, i)]
        if not article_ids:
            return []
        found = {
            a.id: a for a in await self._select(select(ArticleRow).where(ArticleRow.id.in_(article_ids)))
        }
        return [found[i] for i in article_ids if i in found]

    async def find_duplicate(self, title: str, body: str) -> Article | None:
        """Return the stored article whose normalized body matches, or None."""
        stmt = select(ArticleRow).where(ArticleRow.content_hash == content_hash(title, body))
        found = await self._select(stmt)
        return found[0] if found else None

    async def id_by_url(self, url: str) -> tuple[int, str] | None:
        """Return (id, title) of the oldest article stored with this source URL, or None."""
        if not fits(ArticleRow.source_url, url):
            return None
        stmt = (
            select(ArticleRow.id, ArticleRow.title)
            .where(ArticleRow.source_url == url)
            .order_by(ArticleRow.id)
            .limit(1)
        )
        async with self._db.sessions() as session:
            row = (await session.execute(stmt)).first()
            return None if row is None else (row[0], row[1])

    async def latest(self, limit: int) -> list[Article]:
        """Return up to limit articles, newest first."""
        stmt = select(ArticleRow).order_by(ArticleRow.created_at.desc(), ArticleRow.id.desc()).limit(limit)
        return await self._select(stmt)

    async def between(self, start: datetime, end: datetime) -> list[Article]:
        """Return articles with start < created_at <= end, oldest first."""
        stmt = (
            select(ArticleRow)
            .where(
                ArticleRow.created_at > require_aware(start, "start"),
                ArticleRow.created_at <= require_aware(end, "end"),
            )
            .order_by(ArticleRow.created_at.asc(), ArticleRow.id.asc())
        )
        return await self._select(stmt)

    async def search(self, query: str, limit: int = 10) -> list[Article]:
        """Full-text search requiring every word (as a prefix); best match first, then newest."""
        words = query_words(query)
        if not words or limit <= 0:
            return []
        if self._db.dialect == "postgresql":
            return await self._select(postgresql_search(words, limit))
        return await self._select(sqlite_search(words, limit))

    async def keyword_ids(self, query: str, limit: int = 50) -> list[int]:
        """Ids of articles matching any word of query (as a prefix), most relevant first."""
        words = query_words(query)
        if not words or limit <= 0:
            return []
        postgres = self._db.dialect == "postgresql"
        stmt = postgresql_keyword_ids(words, limit) if postgres else sqlite_keyword_ids(words, limit)
        async with self._db.sessions() as session:
            return [int(i) for i in await session.scalars(stmt)]

    async def report(self, article_id: int, *, reporter_id: int, reason: str, now: datetime) -> bool:
        """Record a reader's report of an article; False if this reader already reported it (the
        unique constraint decides, so two presses at once still make one report)."""
        stmt = (
            self._db.insert(ArticleReportRow)
            .values(article_id=article_id, reporter_id=reporter_id, reason=reason[:1000], created_at=now)
            .on_conflict_do_nothing(
                index_elements=[ArticleReportRow.article_id, ArticleReportRow.reporter_id]
            )
        )
        async with self._db.sessions.begin() as session:
            return bool(cast(CursorResult[Any], await session.execute(stmt)).rowcount)

    async def delete(self, article_id: int) -> bool:
        """Delete the article (and its search entry and embedding); return True if it existed."""
        if not fits(ArticleRow.id, article_id):
            return False
        async with self._db.sessions.begin() as session:
            result = await session.execute(delete(ArticleRow).where(ArticleRow.id == article_id))
            return bool(cast(CursorResult[Any], result).rowcount)

    async def set_embedding(
        self, article_id: int, model: str, vector: bytes, *, changed_at: datetime | None = None
    ) -> None:
        """Store an article's embedding; `changed_at`: it replaces the one computed before, at that time
        (what was embedded was edited)."""
        changed = None if changed_at is None else require_aware(changed_at, "changed_at")
        values = check(
            ArticleEmbeddingRow, article_id=article_id, model=model, vector=vector, changed_at=changed
        )
        stmt = (
            self._db.insert(ArticleEmbeddingRow)
            .values(values)
            .on_conflict_do_update(index_elements=[ArticleEmbeddingRow.article_id], set_=values)
        )
        async with self._db.sessions.begin() as session:
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
        async with self._db.sessions() as session:
            return [(int(r[0]), bytes(r[1])) for r in await session.execute(stmt)]

    async def embeddings_changed(
        self, model: str, *, since: datetime | None, up_to: int
    ) -> list[tuple[int, bytes, datetime]]:
        """(article id, vector bytes, when) of this model's embeddings replaced after `since` (None: ever)
        of articles with id <= up_to, oldest change first."""
        emb = ArticleEmbeddingRow
        stmt = select(emb.article_id, emb.vector, emb.changed_at).where(
            emb.changed_at.is_not(None), emb.model == model, emb.article_id <= up_to
        )
        if since is not None:
            stmt = stmt.where(emb.changed_at > require_aware(since, "since"))
        async with self._db.sessions() as session:
            rows = await session.execute(stmt.order_by(emb.changed_at, emb.article_id))
            return [(int(i), bytes(v), at) for i, v, at in rows if at is not None]

    async def embeddings(self, article_ids: list[int], model: str) -> dict[int, bytes]:
        """Vector bytes of these articles' embeddings (articles without one are absent)."""
        article_ids = [i for i in article_ids if fits(ArticleEmbeddingRow.article_id, i)]
        if not article_ids:
            return {}
        emb = ArticleEmbeddingRow
        stmt = select(emb.article_id, emb.vector).where(emb.article_id.in_(article_ids), emb.model == model)
        async with self._db.sessions() as session:
            return {int(r[0]): bytes(r[1]) for r in await session.execute(stmt)}

    async def _select(self, stmt: Any) -> list[Article]:
        """Run a SELECT of ArticleRow and convert the rows."""
        async with self._db.sessions() as session:
            return [_article(row) for row in await session.scalars(stmt)]
