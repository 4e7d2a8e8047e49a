"""Delivery fault matrix, in process: 429 bursts, 5xx, timeouts, blocked, migrated, parse errors.

Each test runs the real Application against the fake Bot API and checks, counting at the fake server,
that every subscriber got exactly one copy of each part, that the ledger agrees, and that the bot still
answers commands.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.emulator import FakeBotAPI
from bot.services import Services
from bot.storage import Article, Store
from bot.storage.models import DigestTextRow
from tests.conftest import BotHarness, Chat
from tests.delivery_helpers import assert_exactly_once, seed, settle
from tests.digest_helpers import ledger_deliveries, ledger_entries, services_of

CHATS = list(range(1001, 1021))
FAST = {"send_backoff": 0.05, "send_rate": 200}


def started(application: Any) -> Services:
    found = services_of(application)
    assert found is not None
    return found


async def fan_out(services: Services, chat_ids: list[int]) -> None:
    """Plan the chats' digests as one fan-out (what the minute's jobs do) and wake the engine."""
    await services.fanout.planner.plan(chat_ids, services.clock())
    services.delivery.kick()


async def still_answering(emulator: FakeBotAPI) -> None:
    assert "/subscribe" in await Chat(emulator, 777).ask("/start")


async def test_429_bursts_and_500s_deliver_every_part_once(harness: BotHarness, emulator: FakeBotAPI) -> None:
    async with harness.run(**FAST) as app:
        services = started(app)
        await seed(services.store, CHATS, articles=3, long=True)  # two parts per chat
        emulator.fail_next("sendMessage", status=429, count=3, retry_after=1)
        emulator.fail_next("sendMessage", status=500, count=4)
        emulator.fail_next("sendMessage", status=502, count=2)
        await fan_out(services, CHATS)
        await settle(services.store, len(CHATS))
        entries = await ledger_entries(services.store)
        parts = len(entries) // len(CHATS)
        assert parts >= 2 and len(entries) == parts * len(CHATS)  # a multi-part digest for every chat
        assert_exactly_once(emulator, entries, CHATS)
        statuses = status_counts(emulator)
        assert statuses[429] == 3 and statuses[500] == 4 and statuses[502] == 2
        await still_answering(emulator)


def status_counts(emulator: FakeBotAPI) -> dict[int, int]:
    counts: dict[int, int] = {}
    for call in emulator.calls("sendMessage"):
        counts[call.status] = counts.get(call.status, 0) + 1
    return counts


async def test_slow_responses_past_the_timeout_are_retried_not_duplicated(
    harness: BotHarness, emulator: FakeBotAPI
) -> None:
    async with harness.run(send_timeout=0.3, **FAST) as app:
        services = started(app)
        await seed(services.store, CHATS[:5])
        emulator.set_delay(1.0, "sendMessage", drop_if_gone=True)
        await fan_out(services, CHATS[:5])
        for _ in range(100):  # wait for requests abandoned by the timed-out client
            if status_counts(emulator).get(499, 0) >= 5:
                break
            await asyncio.sleep(0.1)
        assert status_counts(emulator).get(499, 0) >= 5
        emulator.set_delay(0, "sendMessage")
        await settle(services.store, 5)
        entries = await ledger_entries(services.store)
        assert_exactly_once(emulator, entries, CHATS[:5])
        assert max(e.attempts for e in entries) >= 2
        await still_answering(emulator)


async def test_retry_bound_marks_the_delivery_failed_and_the_next_run_sends_it(
    harness: BotHarness, emulator: FakeBotAPI
) -> None:
    async with harness.run(send_retries=1, delivery_retry_after=1, **FAST) as app:
        services = started(app)
        await seed(services.store, [CHATS[0]])
        emulator.fail_next("sendMessage", status=500, count=2)
        await fan_out(services, [CHATS[0]])
        for _ in range(100):
            deliveries = await ledger_deliveries(services.store)
            if deliveries and deliveries[0][1] == "failed":
                break
            await asyncio.sleep(0.05)
        (_, status, reason) = deliveries[0]
        assert status == "failed" and reason is not None and "gave up after 2 attempts" in reason
        assert emulator.sent(CHATS[0]) == []
        (entry,) = await ledger_entries(services.store)
        assert entry.status == "failed" and entry.attempts == 2
        for _ in range(100):  # DELIVERY_RETRY_AFTER later the engine takes it up again
            if (await ledger_deliveries(services.store))[0][1] == "sent":
                break
            await asyncio.sleep(0.1)
        entries = await ledger_entries(services.store)
        assert entries[0].status == "sent" and entries[0].attempts == 3
        assert_exactly_once(emulator, entries, [CHATS[0]])


async def test_blocked_chats_are_marked_and_the_others_get_theirs(
    harness: BotHarness, emulator: FakeBotAPI
) -> None:
    async with harness.run(**FAST) as app:
        services = started(app)
        await seed(services.store, CHATS)
        for sub in await services.store.subscribers.subscribed():
            services_of(app).schedule.schedule(sub)
        blocked = set(CHATS[::5])
        for chat_id in blocked:
            emulator.block(chat_id)
        await fan_out(services, CHATS)
        await settle(services.store, len(CHATS))
        rows = {chat: status for chat, status, _ in await ledger_deliveries(services.store)}
        assert {c for c, s in rows.items() if s == "blocked"} == blocked
        assert {c for c, s in rows.items() if s == "sent"} == set(CHATS) - blocked
        for chat_id in blocked:
            sub = await services.store.subscribers.get(chat_id)
            assert sub is not None and sub.blocked and not sub.subscribed
            assert services_of(app).schedule.next_run(chat_id) is None
            assert emulator.sent(chat_id) == []
        entries = [e for e in await ledger_entries(services.store) if e.chat_id not in blocked]
        assert_exactly_once(emulator, entries, set(CHATS) - blocked)
        await still_answering(emulator)


async def test_a_migrated_group_gets_its_digest_once_at_the_new_id(
    harness: BotHarness, emulator: FakeBotAPI
) -> None:
    group, supergroup = -4242, -1004242
    async with harness.run(**FAST) as app:
        services = started(app)
        await seed(services.store, [group, CHATS[0]])
        emulator.migrate(group, supergroup)
        await fan_out(services, [group, CHATS[0]])
        await settle(services.store, 2)
        assert emulator.sent(group) == []
        assert len(emulator.sent(supergroup)) == 1
        assert await services.store.subscribers.get(group) is None
        moved = await services.store.subscribers.get(supergroup)
        assert moved is not None and moved.subscribed
        assert_exactly_once(emulator, await ledger_entries(services.store), [supergroup, CHATS[0]])
        await still_answering(emulator)


async def test_a_parse_error_is_resent_as_plain_text_and_logged(
    harness: BotHarness, emulator: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.delivery")
    async with harness.run(**FAST) as app:
        services = started(app)
        await seed(services.store, [CHATS[0]])
        emulator.fail_next(
            "sendMessage",
            status=400,
            description='Bad Request: can\'t parse entities: Unsupported start tag "about" at byte offset 9',
        )
        await fan_out(services, [CHATS[0]])
        await settle(services.store, 1)
        (message,) = emulator.sent(CHATS[0])
        assert message.parse_mode is None
        assert "Story 0 <about> budgets" in message.text  # the escaped title, as plain text
        assert_exactly_once(emulator, await ledger_entries(services.store), [CHATS[0]])
        (article_id,) = [a.id for a in await services.store.articles.latest(1)]
        assert any(f"articles: {article_id}" in r.getMessage() for r in caplog.records)
        await still_answering(emulator)


async def test_same_minute_subscribers_share_one_content(harness: BotHarness, emulator: FakeBotAPI) -> None:
    async with harness.run(**FAST) as app:
        services = started(app)
        await seed(services.store, CHATS, articles=3, long=True)
        await fan_out(services, CHATS)
        await settle(services.store, len(CHATS))
        async with services.store.engine.connect() as conn:
            texts = await conn.scalar(select(func.count()).select_from(DigestTextRow))
        entries = await ledger_entries(services.store)
        parts = {e.part for e in entries}
        assert len(parts) >= 2 and texts == len(parts)  # 20 chats x N parts, each text stored once
        assert_exactly_once(emulator, entries, CHATS)
        now = datetime.now(UTC)
        assert await services.fanout.planner.plan(CHATS, now) == []  # the same day again: nothing new


async def test_an_article_stored_after_a_fan_out_read_the_articles_goes_to_every_chat_next_time_once(
    harness: BotHarness, emulator: FakeBotAPI
) -> None:
    """The cut-off race across a fan-out: an article stamped just before the cut-off but stored after the
    plan read the articles reaches every chat in the next fan-out, once; what the first fan-out carried
    (one article stamped within the look-back) is not repeated; the chats still share one content."""
    async with harness.run(**FAST) as app:
        services = started(app)
        store = services.store
        await seed(store, CHATS)
        early = await add_story(store, "Early edition", services.clock())
        stamped = services.clock()  # before the cut-off the fan-out takes
        await fan_out(services, CHATS)
        await settle(store, len(CHATS))
        late = await add_story(store, "Late edition", stamped)  # ...stored only after it was planned
        assert await services.fanout.planner.plan(CHATS, services.clock() + timedelta(days=1))
        services.delivery.kick()
        await settle(store, 2 * len(CHATS))
        for chat in CHATS:
            first, second = (m.text for m in emulator.sent(chat))
            assert early.title in first and late.title not in first
            assert second.count(late.title) == 1 and "1 story" in second
        async with store.engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(DigestTextRow)) == 2
        assert_exactly_once(emulator, await ledger_entries(store), CHATS)


async def add_story(store: Store, title: str, created_at: datetime) -> Article:
    """Store a short article stamped `created_at`."""
    return await store.articles.add(
        title=title,
        body=f"{title}: the body of the story. " * 10,
        summary="What happened, in brief.",
        summarizer="lead",
        posted_by=111,
        created_at=created_at,
    )
