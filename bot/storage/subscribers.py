"""The subscribers aggregate: one row per chat with its digest settings (time, zone, layout, state)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import String, Time, exists, func, literal, select, tuple_, update

from bot.storage.database import Database, chunks, require_aware, require_naive_time
from bot.storage.errors import SubscriberNotFoundError
from bot.storage.models import DigestDeliveryRow, SubscriberRow, TopicRow
from bot.storage.topics import topic_of
from bot.storage.types import DigestDefaults, DigestPrefs, Layout, Subscriber
from bot.storage.values import check

Slot = tuple[time, str]  # a resolved schedule: local digest time and zone


def _subscriber(row: SubscriberRow) -> Subscriber:
    """Convert an ORM row to a Subscriber."""
    return Subscriber(
        chat_id=row.chat_id,
        subscribed=row.subscribed,
        digest_time=row.digest_time,
        timezone=row.timezone,
        created_at=row.created_at,
        blocked=row.blocked,
        digest_layout=Layout(row.digest_layout),
        thread_id=row.thread_id,
        language=row.language,
        last_language_code=row.last_language_code,
    )


class Subscribers:
    """Chats and their digest settings; every method is one short transaction."""

    def __init__(self, db: Database) -> None:
        """Use the shared database."""
        self._db = db

    async def get(self, chat_id: int) -> Subscriber | None:
        """Return the chat's subscriber row, or None."""
        async with self._db.sessions() as session:
            row = await session.get(SubscriberRow, chat_id)
            return None if row is None else _subscriber(row)

    async def ensure(
        self,
        chat_id: int,
        *,
        now: datetime,
        digest_time: time | None = None,
        timezone: str | None = None,
        language_code: str | None = None,
    ) -> Subscriber:
        """Return the chat's subscriber, creating an unsubscribed one if missing: with this time and zone,
        or (None) following the outlet's defaults; a private chat's user's Telegram `language_code`."""
        check(SubscriberRow, chat_id=chat_id, timezone=timezone, last_language_code=language_code)
        values = {
            "chat_id": chat_id,
            "subscribed": False,
            "digest_time": None if digest_time is None else require_naive_time(digest_time),
            "timezone": timezone,
            "created_at": require_aware(now, "now"),
            "blocked": False,
            "last_language_code": language_code,
        }
        async with self._db.sessions.begin() as session:
            await session.execute(self._db.insert(SubscriberRow).values(values).on_conflict_do_nothing())
        subscriber = await self.get(chat_id)
        if subscriber is None:  # deleted concurrently: practically impossible, but keep the contract
            raise SubscriberNotFoundError(chat_id)
        return subscriber

    async def _update(self, chat_id: int, **values: Any) -> Subscriber:
        """Update the chat's row and return it; raise SubscriberNotFoundError if missing."""
        async with self._db.sessions.begin() as session:
            row = await session.get(SubscriberRow, chat_id, with_for_update=True)
            if row is None:
                raise SubscriberNotFoundError(chat_id)
            for key, value in values.items():
                setattr(row, key, value)
            await session.flush()
            return _subscriber(row)

    async def set_subscribed(
        self, chat_id: int, subscribed: bool, *, now: datetime, thread_id: int | None = None
    ) -> Subscriber:
        """Subscribe or unsubscribe the chat at `now`; subscribing clears the blocked flag and sends the
        digest to forum topic `thread_id` (None: the chat itself)."""
        changed = require_aware(now, "now")
        if subscribed:
            check(SubscriberRow, thread_id=thread_id)
            return await self._update(
                chat_id, subscribed=True, blocked=False, schedule_changed_at=changed, thread_id=thread_id
            )
        return await self._update(chat_id, subscribed=False, schedule_changed_at=changed)

    async def set_thread(self, chat_id: int, thread_id: int | None) -> Subscriber:
        """Send the chat's digest to forum topic `thread_id` from now on (None: the chat itself)."""
        check(SubscriberRow, thread_id=thread_id)
        return await self._update(chat_id, thread_id=thread_id)

    async def drop_thread(self, chat_id: int, thread_id: int) -> bool:
        """The topic is gone: the chat's digest goes to the chat itself, unless /subscribe moved it to
        another topic meanwhile. True if the row was changed."""
        stmt = (
            update(SubscriberRow)
            .where(SubscriberRow.chat_id == chat_id, SubscriberRow.thread_id == thread_id)
            .values(thread_id=None)
        )
        async with self._db.sessions.begin() as session:
            return bool(getattr(await session.execute(stmt), "rowcount", 0))

    async def set_digest_time(self, chat_id: int, digest_time: time | None, *, now: datetime) -> Subscriber:
        """Set the chat's local digest time (naive wall-clock time); None follows the outlet's default."""
        at = None if digest_time is None else require_naive_time(digest_time)
        return await self._update(chat_id, digest_time=at, schedule_changed_at=require_aware(now, "now"))

    async def set_timezone(self, chat_id: int, timezone: str | None, *, now: datetime) -> Subscriber:
        """Set the chat's IANA zone name (validation is the caller's job); None follows the default."""
        check(SubscriberRow, timezone=timezone)
        return await self._update(chat_id, timezone=timezone, schedule_changed_at=require_aware(now, "now"))

    async def set_layout(self, chat_id: int, layout: Layout) -> Subscriber:
        """Set the chat's digest layout."""
        return await self._update(chat_id, digest_layout=Layout(layout))

    async def set_language(self, chat_id: int, language: str | None) -> Subscriber:
        """Set the chat's own language (a shipped code: the caller checks); None chooses it automatically."""
        check(SubscriberRow, language=language)
        return await self._update(chat_id, language=language)

    async def note_language_code(self, chat_id: int, language_code: str) -> None:
        """Remember a private chat's user's Telegram language (for its digest); no-op for unknown chats."""
        check(SubscriberRow, last_language_code=language_code)
        async with self._db.sessions.begin() as session:
            await session.execute(
                update(SubscriberRow)
                .where(SubscriberRow.chat_id == chat_id)
                .values(last_language_code=language_code)
            )

    async def mark_blocked(self, chat_id: int) -> None:
        """Record that the bot was blocked in this chat: unsubscribe it; no-op for unknown chats."""
        async with self._db.sessions.begin() as session:
            await session.execute(
                update(SubscriberRow)
                .where(SubscriberRow.chat_id == chat_id)
                .values(subscribed=False, blocked=True)
            )

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its row moves to the new id (unless that chat has one already).
        The new chat is a new conversation: no forum topic of the old one exists there (thread cleared)."""
        async with self._db.sessions.begin() as session:
            taken = await session.scalar(
                select(SubscriberRow.chat_id).where(SubscriberRow.chat_id == new_chat_id)
            )
            if taken is None:
                await session.execute(
                    update(SubscriberRow)
                    .where(SubscriberRow.chat_id == old_chat_id)
                    .values(chat_id=new_chat_id, thread_id=None)
                )

    async def subscribed(self) -> list[Subscriber]:
        """Return all subscribed, non-blocked chats ordered by chat id."""
        stmt = (
            select(SubscriberRow)
            .where(SubscriberRow.subscribed.is_(True), SubscriberRow.blocked.is_(False))
            .order_by(SubscriberRow.chat_id)
        )
        async with self._db.sessions() as session:
            return [_subscriber(row) for row in await session.scalars(stmt)]

    async def due(self, chat_ids: Iterable[int]) -> list[tuple[int, str | None]]:
        """(chat id, time zone or None for the default) of those of chat_ids subscribed and not blocked."""
        due: list[tuple[int, str | None]] = []
        async with self._db.sessions() as session:
            for chunk in chunks(list(chat_ids)):
                stmt = select(SubscriberRow.chat_id, SubscriberRow.timezone).where(
                    SubscriberRow.chat_id.in_(chunk),
                    SubscriberRow.subscribed.is_(True),
                    SubscriberRow.blocked.is_(False),
                )
                due.extend((chat, zone) for chat, zone in await session.execute(stmt))
        return due

    async def digest_preferences(self, chat_ids: list[int]) -> dict[int, DigestPrefs]:
        """Each chat's digest layout, topics (oldest first) and language, in bulk queries for a fan-out."""
        s = SubscriberRow
        prefs: dict[int, DigestPrefs] = {}
        async with self._db.sessions() as session:
            for chunk in chunks(chat_ids, 500):
                rows = await session.execute(
                    select(s.chat_id, s.digest_layout, s.language, s.last_language_code).where(
                        s.chat_id.in_(chunk)
                    )
                )
                for chat_id, layout, language, last_seen in rows:
                    prefs[chat_id] = DigestPrefs(Layout(layout), [], language, last_seen)
                topics = await session.scalars(
                    select(TopicRow).where(TopicRow.chat_id.in_(chunk)).order_by(TopicRow.id)
                )
                for row in topics:
                    if row.chat_id in prefs:
                        prefs[row.chat_id].topics.append(topic_of(row))
        return prefs

    async def slots(self, defaults: DigestDefaults) -> set[Slot]:
        """The distinct (time, zone) digests of subscribed chats are due at, the defaults filled in."""
        stmt = (
            select(SubscriberRow.digest_time, SubscriberRow.timezone)
            .where(SubscriberRow.subscribed.is_(True), SubscriberRow.blocked.is_(False))
            .distinct()
        )
        async with self._db.sessions() as session:
            rows = await session.execute(stmt)
            return {
                (defaults.at if at is None else at, defaults.zone if zone is None else zone)
                for at, zone in rows
            }

    async def without_digest(
        self, day: date, slots: Sequence[Slot], defaults: DigestDefaults
    ) -> list[tuple[int, Slot, datetime | None]]:
        """Subscribed chats due at one of `slots` that have no ledger row for `day`: (chat id, its slot,
        when its schedule last changed). One statement; the ledger is probed by its (chat, date) key.

        Joins the ledger's table: finding the digests nobody planned is a question about both."""
        s, dd = SubscriberRow, DigestDeliveryRow
        at = func.coalesce(s.digest_time, literal(defaults.at, Time()))
        zone = func.coalesce(s.timezone, literal(defaults.zone, String()))
        found: list[tuple[int, Slot, datetime | None]] = []
        async with self._db.sessions() as session:
            for chunk in chunks(list(slots), 200):
                stmt = select(s.chat_id, at, zone, s.schedule_changed_at).where(
                    s.subscribed.is_(True),
                    s.blocked.is_(False),
                    tuple_(at, zone).in_(list(chunk)),
                    ~exists().where(dd.chat_id == s.chat_id, dd.digest_date == day),
                )
                found += [(chat, (t, z), changed) for chat, t, z, changed in await session.execute(stmt)]
        return found
