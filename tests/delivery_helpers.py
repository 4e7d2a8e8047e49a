"""Helpers for the delivery tests: seed subscribers and articles, wait for the fan-out, count copies."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from bot.emulator import FakeBotAPI
from bot.storage import Store
from bot.storage.ledger import PartText, PlannedDigest
from tests.digest_helpers import LedgerEntry, ledger_deliveries

LONG_SUMMARY = " ".join(f"Sentence {i} of a long summary about the city budget." for i in range(40))


async def seed(
    store: Store,
    chat_ids: Iterable[int],
    *,
    articles: int = 1,
    digest_time: time = time(19, 0),
    long: bool = False,
) -> None:
    """Subscribe chats (straight into the database) and store `articles` articles posted just now."""
    now = datetime.now(UTC)
    for chat_id in chat_ids:
        await store.subscribers.ensure(chat_id, digest_time=digest_time, timezone="UTC", now=now)
        # subscribed a day ago: a digest due since then and never planned is caught up
        await store.subscribers.set_subscribed(chat_id, True, now=now - timedelta(days=1))
        if long:  # the full layout writes every summary out: a multi-part digest
            await store.subscribers.set_layout(chat_id, "full")
    for i in range(articles):
        await store.articles.add(
            title=f"Story {i} <about> budgets",
            body=f"Body of story {i}. " * 20,
            summary=(LONG_SUMMARY if long else f"Summary of story {i}.") + f" ({i})",
            summarizer="lead",
            posted_by=111,
            created_at=now - timedelta(minutes=5),
        )


async def settle(store: Store, count: int, timeout: float = 60.0) -> None:
    """Wait until `count` deliveries exist and none is pending or being sent."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = await ledger_deliveries(store)
        if len(rows) >= count and all(status not in ("pending", "sending") for _, status, _ in rows):
            return
        assert loop.time() < deadline, f"deliveries not settled: {Counter(s for _, s, _ in rows)}"
        await asyncio.sleep(0.1)


def assert_exactly_once(emulator: FakeBotAPI, entries: list[LedgerEntry], chat_ids: Iterable[int]) -> None:
    """Every sent ledger part is at the fake server exactly once, with the recorded message id."""
    by_chat: dict[int, list[LedgerEntry]] = {}
    for entry in entries:
        by_chat.setdefault(entry.chat_id, []).append(entry)
    for chat_id in chat_ids:
        received = [m for m in emulator.sent(chat_id) if not m.edited]
        parts = by_chat.get(chat_id, [])
        assert parts, f"no ledger rows for chat {chat_id}"
        assert all(p.status == "sent" for p in parts), (chat_id, parts)
        assert [m.message_id for m in received] == [p.message_id for p in parts], (chat_id, received, parts)
        assert len(received) == len(parts)


async def record_digest(store: Store, chat_id: int, day: date, status: str, now: datetime) -> int:
    """Take one digest through the ledger to `status` (sent, failed, blocked or empty) at `now`, with
    `now` as its content cut-off; return the delivery id."""
    parts = () if status == "empty" else (PartText(f"digest for {chat_id} on {day}"),)
    (delivery_id,) = await store.ledger.plan([PlannedDigest(chat_id, day, now, len(parts), parts)], now)
    if status != "empty":
        owner = "test"
        claims = await store.ledger.claim(
            owner, now, lease=timedelta(seconds=30), limit=100, retry_window=timedelta(hours=20)
        )
        assert [claim.delivery_id for claim in claims] == [delivery_id]
        assert await store.ledger.finish(delivery_id, owner, status=status, now=now)
    return delivery_id
