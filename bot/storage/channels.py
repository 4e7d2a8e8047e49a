"""The channels aggregate: the outlet's channels (/addchannel), their posting options and state.

A channel's schedule, zone and layout are its `subscribers` row, as for any chat; this table holds only
what a channel has besides: its title and @username, who added it, pin and silent, whether the bot still
posts there, its last post and last error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update

from bot.storage.database import Database, chunks, require_aware
from bot.storage.errors import ChannelNotFoundError
from bot.storage.models import ChannelRow
from bot.storage.types import Channel, ChannelStatus
from bot.storage.values import check, fits

MAX_ERROR_CHARS = 500


def _channel(row: ChannelRow) -> Channel:
    """Convert an ORM row to a Channel."""
    return Channel(
        chat_id=row.chat_id,
        title=row.title,
        username=row.username,
        added_by=row.added_by,
        added_at=row.added_at,
        pin=row.pin,
        silent=row.silent,
        status=ChannelStatus(row.status),
        last_post_at=row.last_post_at,
        last_error=row.last_error,
    )


class Channels:
    """The outlet's channels; every method is one short transaction."""

    def __init__(self, db: Database) -> None:
        """Use the shared database."""
        self._db = db
        self._sessions = db.sessions

    async def add(
        self, chat_id: int, *, title: str, username: str | None, added_by: int, now: datetime
    ) -> Channel:
        """Store a channel as active (again: a removed one keeps its options, its title is refreshed)."""
        values = check(ChannelRow, chat_id=chat_id, title=title, username=username, added_by=added_by)
        fresh = {"title": title, "username": username, "status": ChannelStatus.ACTIVE, "last_error": None}
        insert = self._db.insert(ChannelRow).values(
            **values, added_at=require_aware(now, "now"), pin=False, silent=False, status=ChannelStatus.ACTIVE
        )
        async with self._sessions.begin() as session:
            await session.execute(insert.on_conflict_do_nothing(index_elements=[ChannelRow.chat_id]))
            await session.execute(update(ChannelRow).where(ChannelRow.chat_id == chat_id).values(**fresh))
        found = await self.get(chat_id)
        if found is None:  # removed concurrently
            raise ChannelNotFoundError(chat_id)
        return found

    async def get(self, chat_id: int) -> Channel | None:
        """The channel with this chat id, or None."""
        if not fits(ChannelRow.chat_id, chat_id):
            return None
        async with self._sessions() as session:
            row = await session.get(ChannelRow, chat_id)
            return None if row is None else _channel(row)

    async def all(self) -> list[Channel]:
        """Every channel, in the order they were added."""
        async with self._sessions() as session:
            rows = await session.scalars(select(ChannelRow).order_by(ChannelRow.added_at, ChannelRow.chat_id))
            return [_channel(row) for row in rows]

    async def active_among(self, chat_ids: Iterable[int]) -> dict[int, Channel]:
        """The active channels among these chats (the planner's question for a batch), by chat id."""
        found: dict[int, Channel] = {}
        candidates = [chat for chat in chat_ids if chat < 0]  # channels' ids are negative
        async with self._sessions() as session:
            for chunk in chunks(candidates):
                stmt = select(ChannelRow).where(
                    ChannelRow.chat_id.in_(chunk), ChannelRow.status == ChannelStatus.ACTIVE
                )
                found.update((row.chat_id, _channel(row)) for row in await session.scalars(stmt))
        return found

    async def remove(self, chat_id: int) -> bool:
        """Forget a channel; False when there was none."""
        if not fits(ChannelRow.chat_id, chat_id):
            return False
        async with self._sessions.begin() as session:
            result = await session.execute(delete(ChannelRow).where(ChannelRow.chat_id == chat_id))
            return bool(cast(CursorResult[Any], result).rowcount)

    async def set_options(
        self, chat_id: int, *, pin: bool | None = None, silent: bool | None = None
    ) -> Channel:
        """Turn pin and/or silent on or off (None leaves it); the channel must exist."""
        values = {key: value for key, value in (("pin", pin), ("silent", silent)) if value is not None}
        async with self._sessions.begin() as session:
            if values:
                await session.execute(
                    update(ChannelRow).where(ChannelRow.chat_id == chat_id).values(**values)
                )
        found = await self.get(chat_id)
        if found is None:
            raise ChannelNotFoundError(chat_id)
        return found

    async def mark_removed(self, chat_id: int, *, reason: str) -> bool:
        """The bot lost the channel: mark it removed with why; True only for the change from active (so
        the editors are told once)."""
        stmt = (
            update(ChannelRow)
            .where(ChannelRow.chat_id == chat_id, ChannelRow.status == ChannelStatus.ACTIVE)
            .values(status=ChannelStatus.REMOVED, last_error=reason[:MAX_ERROR_CHARS])
        )
        async with self._sessions.begin() as session:
            return bool(cast(CursorResult[Any], await session.execute(stmt)).rowcount)

    async def posted(self, chat_id: int, *, at: datetime, error: str | None = None) -> None:
        """An edition went out at `at`; `error`: what went wrong besides (a pin refused), else cleared."""
        stmt = (
            update(ChannelRow)
            .where(ChannelRow.chat_id == chat_id)
            .values(
                last_post_at=require_aware(at, "at"),
                last_error=None if error is None else error[:MAX_ERROR_CHARS],
            )
        )
        async with self._sessions.begin() as session:
            await session.execute(stmt)
