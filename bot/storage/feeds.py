"""The feeds aggregate: followed RSS/Atom feeds, their polling state and the entries already seen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update

from bot.storage.database import Database
from bot.storage.models import (
    ETAG_MAX_LENGTH,
    LAST_MODIFIED_MAX_LENGTH,
    FeedEntryRow,
    FeedRow,
)
from bot.storage.types import Feed
from bot.storage.values import check, fits


def _feed(row: FeedRow) -> Feed:
    """Convert an ORM row to a Feed."""
    return Feed(
        id=row.id,
        url=row.url,
        title=row.title,
        added_by=row.added_by,
        created_at=row.created_at,
        etag=row.etag,
        last_modified=row.last_modified,
        failures=row.failures,
        last_error=row.last_error,
        last_polled_at=row.last_polled_at,
        next_poll_at=row.next_poll_at,
        poll_minutes=row.poll_minutes,
        paused=row.paused,
    )


class Feeds:
    """Followed feeds and their seen entries; every method is one short transaction."""

    def __init__(self, db: Database) -> None:
        """Use the shared database."""
        self._db = db
        self._sessions = db.sessions

    async def add(self, *, url: str, title: str, added_by: int, now: datetime) -> tuple[Feed, bool]:
        """Store a feed; return (feed, created) where created is False if the URL was already followed."""
        check(FeedRow, url=url, title=title, added_by=added_by)
        stmt = (
            self._db.insert(FeedRow)
            .values(url=url, title=title, added_by=added_by, created_at=now, failures=0, next_poll_at=None)
            .on_conflict_do_nothing(index_elements=[FeedRow.url])
        )
        async with self._sessions.begin() as session:
            created = bool(cast(CursorResult[Any], await session.execute(stmt)).rowcount)
        async with self._sessions() as session:
            row = await session.scalar(select(FeedRow).where(FeedRow.url == url))
            assert row is not None
            return _feed(row), created

    async def get(self, feed_id: int) -> Feed | None:
        """Return the feed with this id, or None (also for ids no feed can have)."""
        if not fits(FeedRow.id, feed_id):
            return None
        async with self._sessions() as session:
            row = await session.get(FeedRow, feed_id)
            return None if row is None else _feed(row)

    async def all(self) -> list[Feed]:
        """Return every followed feed, oldest first."""
        async with self._sessions() as session:
            return [_feed(row) for row in await session.scalars(select(FeedRow).order_by(FeedRow.id))]

    async def due(self, now: datetime) -> list[Feed]:
        """Return the feeds not paused whose back-off (if any) has expired at `now`."""
        stmt = (
            select(FeedRow)
            .where(or_(FeedRow.next_poll_at.is_(None), FeedRow.next_poll_at <= now.astimezone(UTC)))
            .where(FeedRow.paused.is_(False))
            .order_by(FeedRow.id)
        )
        async with self._sessions() as session:
            return [_feed(row) for row in await session.scalars(stmt)]

    async def change(
        self,
        feed_id: int,
        *,
        title: str | None = None,
        poll_minutes: int | None = None,
        paused: bool | None = None,
    ) -> Feed | None:
        """Rename, re-time, pause or resume a feed (only the given fields); the changed feed, or None."""
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = check(FeedRow, title=title)["title"]
        if poll_minutes is not None:
            values["poll_minutes"] = poll_minutes
        if paused is not None:
            values["paused"] = paused
        async with self._sessions.begin() as session:
            if values:
                await session.execute(update(FeedRow).where(FeedRow.id == feed_id).values(**values))
            row = await session.get(FeedRow, feed_id)
            return None if row is None else _feed(row)

    async def remove(self, feed_id: int) -> bool:
        """Stop following a feed (its seen entries go with it); True if it existed."""
        if not fits(FeedRow.id, feed_id):
            return False
        async with self._sessions.begin() as session:
            await session.execute(delete(FeedEntryRow).where(FeedEntryRow.feed_id == feed_id))
            result = await session.execute(delete(FeedRow).where(FeedRow.id == feed_id))
            return bool(cast(CursorResult[Any], result).rowcount)

    async def record_success(
        self,
        feed_id: int,
        *,
        etag: str | None,
        last_modified: str | None,
        now: datetime,
        keep_validators: bool = False,
    ) -> None:
        """Clear the back-off and remember the validators for the next conditional GET (a fresh response
        replaces both, even with None; keep_validators=True, after a 304, leaves the stored ones)."""
        if etag is not None and len(etag) > ETAG_MAX_LENGTH:
            raise ValueError(f"etag longer than {ETAG_MAX_LENGTH} characters")
        if last_modified is not None and len(last_modified) > LAST_MODIFIED_MAX_LENGTH:
            raise ValueError(f"last_modified longer than {LAST_MODIFIED_MAX_LENGTH} characters")
        values: dict[str, Any] = {
            "failures": 0,
            "last_error": None,
            "last_polled_at": now,
            "next_poll_at": None,
        }
        if not keep_validators:
            values |= {"etag": etag, "last_modified": last_modified}
        async with self._sessions.begin() as session:
            await session.execute(update(FeedRow).where(FeedRow.id == feed_id).values(**values))

    async def record_failure(
        self, feed_id: int, *, error: str, now: datetime, next_poll_at: datetime
    ) -> None:
        """Count a failed poll and postpone the next one until `next_poll_at`."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(FeedRow)
                .where(FeedRow.id == feed_id)
                .values(
                    failures=FeedRow.failures + 1,
                    last_error=error[:1000],
                    last_polled_at=now,
                    next_poll_at=next_poll_at,
                )
            )

    async def unseen_entries(self, feed_id: int, keys: Iterable[str]) -> list[str]:
        """Return those of `keys` (in order) not yet recorded as seen for the feed."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return []
        stmt = select(FeedEntryRow.entry_key).where(
            FeedEntryRow.feed_id == feed_id, FeedEntryRow.entry_key.in_(wanted)
        )
        async with self._sessions() as session:
            seen = set(await session.scalars(stmt))
        return [key for key in wanted if key not in seen]

    async def mark_entries_seen(self, feed_id: int, keys: Iterable[str], now: datetime) -> None:
        """Record entries as seen (idempotent)."""
        rows = [{"feed_id": feed_id, "entry_key": key, "seen_at": now} for key in dict.fromkeys(keys)]
        if not rows:
            return
        stmt = self._db.insert(FeedEntryRow).values(rows).on_conflict_do_nothing()
        async with self._sessions.begin() as session:
            await session.execute(stmt)
