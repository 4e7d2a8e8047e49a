"""One change at a time per chat: PTB handles updates concurrently, and a chat's settings are read, written
and turned into its digest job in several awaits, so two changes of one chat must not interleave.

Written by hand: asyncio has locks but no keyed lock map, and a plain dict of locks would grow by one lock
per chat that ever wrote. Here a chat's lock lives only while someone holds or waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Entry:
    """A chat's lock and how many tasks hold or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ChatLocks:
    """A lock per chat id, created on first use and dropped when its last user leaves."""

    def __init__(self) -> None:
        """No chat is locked."""
        self._entries: dict[int, _Entry] = {}

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat's lock for the body (waiting while another task holds it)."""
        entry = self._entries.setdefault(chat_id, _Entry())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[chat_id]

    def __len__(self) -> int:
        """How many chats are locked or waited for right now."""
        return len(self._entries)
