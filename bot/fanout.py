"""Digest fan-out: the chats whose jobs fire together are planned as one batch, content built once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.delivery import DeliveryEngine
from bot.formatting import articles_html, split_message
from bot.storage import Article, Store
from bot.storage.ledger import PlannedDigest

log = logging.getLogger(__name__)

FIRST_DIGEST_WINDOW: Final = timedelta(hours=24)
GATHER_SECONDS: Final = 0.5  # jobs of one minute fire within milliseconds of each other


def digest_html(articles: list[Article], day: date) -> str:
    """The digest message: a header and one paragraph per article."""
    count = f"{len(articles)} stor{'y' if len(articles) == 1 else 'ies'}"
    return articles_html(f"📰 <b>Your digest for {day:%A, %d %B %Y}</b> — {count}", articles)


async def plan_digests(store: Store, chat_ids: Iterable[int], now: datetime) -> list[int]:
    """Write today's digest for each due chat into the ledger; return the new deliveries' ids.

    Chats with the same previous cut-off and the same local date get the very same parts: the articles
    are read, formatted and split once per such group, and each part's text is stored once.
    """
    due = await store.ledger.due_subscribers(chat_ids)
    cutoffs = await store.ledger.last_cutoffs(chat for chat, _ in due)
    articles: dict[datetime, list[Article]] = {}
    parts: dict[tuple[datetime, date], tuple[str, ...]] = {}
    planned: list[PlannedDigest] = []
    for chat_id, zone in due:
        since = cutoffs.get(chat_id, now - FIRST_DIGEST_WINDOW)
        day = now.astimezone(ZoneInfo(zone)).date()
        if since not in articles:
            articles[since] = await store.articles_between(since, now)
        found = articles[since]
        if (since, day) not in parts:
            parts[(since, day)] = tuple(split_message(digest_html(found, day))) if found else ()
        planned.append(PlannedDigest(chat_id, day, now, len(found), parts[(since, day)]))
    created = await store.ledger.plan(planned, now)
    log.info("planned %d digest(s) from %d distinct content(s)", len(created), len(parts))
    return created


class FanOut:
    """Collects the chats whose digest jobs fire together and plans them in one batch."""

    def __init__(self, store: Store, engine: DeliveryEngine, clock: Clock) -> None:
        """Plan into `store`'s ledger and wake `engine` afterwards."""
        self._store, self._engine, self._clock = store, engine, clock
        self._waiting: set[int] = set()
        self._flush: asyncio.Task[None] | None = None

    def request(self, chat_id: int) -> None:
        """A chat's digest is due: plan it with the others due now, shortly."""
        self._waiting.add(chat_id)
        if self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._plan_soon(), name="digest-fanout")

    async def _plan_soon(self) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        chats, self._waiting = self._waiting, set()
        try:
            await plan_digests(self._store, chats, self._clock())
        except Exception:  # the jobs fire again tomorrow; the error must not pass silently
            log.exception("planning the digest for %d chat(s) failed", len(chats))
            return
        self._engine.kick()

    async def close(self) -> None:
        """Let a batch still gathering be planned (its chats are not lost on a clean stop)."""
        if self._flush is not None:
            await self._flush
