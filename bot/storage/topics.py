"""The topics aggregate: phrases a chat follows or mutes, with their embeddings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from bot.storage.database import Database, require_aware
from bot.storage.models import TopicRow
from bot.storage.types import Topic, TopicKind
from bot.storage.values import check, fits


def topic_of(row: TopicRow) -> Topic:
    """Convert an ORM row to a Topic."""
    return Topic(
        id=row.id,
        chat_id=row.chat_id,
        kind=TopicKind(row.kind),
        phrase=row.phrase,
        vector=row.vector,
        created_at=row.created_at,
        article_id=row.article_id,
    )


class Topics:
    """Followed and muted phrases; every method is one short transaction."""

    def __init__(self, db: Database) -> None:
        """Use the shared database."""
        self._db = db

    async def set(
        self,
        chat_id: int,
        kind: TopicKind,
        phrase: str,
        vector: bytes | None,
        *,
        now: datetime,
        article_id: int | None = None,
    ) -> Topic:
        """Follow or mute phrase for the chat (replacing an earlier follow/mute of the same phrase);
        `article_id`: the story it was muted from (see Topic), None for a typed topic."""
        if not phrase:
            raise ValueError("a topic needs a phrase")
        check(TopicRow, chat_id=chat_id, kind=TopicKind(kind), phrase=phrase, article_id=article_id)
        values = {
            "kind": TopicKind(kind),
            "vector": vector,
            "created_at": require_aware(now, "now"),
            "article_id": article_id,
        }
        stmt = (
            self._db.insert(TopicRow)
            .values(chat_id=chat_id, phrase=phrase, **values)
            .on_conflict_do_update(index_elements=[TopicRow.chat_id, TopicRow.phrase], set_=values)
        )
        async with self._db.sessions.begin() as session:
            await session.execute(stmt)
            row = await session.scalar(
                select(TopicRow).where(TopicRow.chat_id == chat_id, TopicRow.phrase == phrase)
            )
            assert row is not None  # written just above, in this transaction
            return topic_of(row)

    async def remove(self, chat_id: int, phrase: str, kind: TopicKind | None = None) -> bool:
        """Forget one of the chat's topics (of this kind, if given); True if it existed."""
        if not fits(TopicRow.phrase, phrase):
            return False
        stmt = delete(TopicRow).where(TopicRow.chat_id == chat_id, TopicRow.phrase == phrase)
        if kind is not None:
            stmt = stmt.where(TopicRow.kind == kind)
        async with self._db.sessions.begin() as session:
            result = await session.execute(stmt)
            return bool(cast(CursorResult[Any], result).rowcount)

    async def of_chat(self, chat_id: int) -> list[Topic]:
        """The chat's topics, oldest first."""
        stmt = select(TopicRow).where(TopicRow.chat_id == chat_id).order_by(TopicRow.id)
        async with self._db.sessions() as session:
            return [topic_of(row) for row in await session.scalars(stmt)]
