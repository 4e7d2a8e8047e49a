"""No digest is lost, end to end against the fake Bot API: planning that fails on a real database failure
(a locked SQLite, a PostgreSQL connection terminated mid-plan) is retried and every chat gets its digest
once; an article or a chat whose content cannot be laid out costs only itself; a bot that was down at the
digest time still sends it when it comes back up to DIGEST_CATCHUP_HOURS late, and records it as skipped
after that."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from bot.clock import utc_now
from bot.digest.schedule import SWEEP_EVERY, SWEEP_JOB
from bot.emulator import FakeBotAPI
from bot.storage import Store
from bot.storage.models import ArticleEmbeddingRow, DigestDeliveryRow, TopicRow
from tests.conftest import ADMIN_ID, USER_ID, BotHarness, Chat
from tests.delivery_helpers import assert_exactly_once, seed, settle
from tests.digest_helpers import ledger_deliveries, ledger_entries
from tests.test_e2e_commands import STORY, post
from tests.test_e2e_digest import BRIDGE_STORY, OTHER_ID, fire_soon, started, wait_until

CHATS = [2001, 2002, 2003]
PLANNER = "bot.digest.planner"


def logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    """Whether a log record of the planner says `text`."""
    return any(text in record.getMessage() for record in caplog.records if record.name == PLANNER)


async def wait_logged(caplog: pytest.LogCaptureFixture, text: str, timeout: float = 20.0) -> None:
    """Wait until the planner logs `text`."""

    async def found() -> bool:
        return logged(caplog, text)

    await wait_until(found, timeout)


@asynccontextmanager
async def planning_fails(url: str) -> AsyncIterator[None]:
    """A real database failure for the bot's next digest planning, lifted on exit.

    SQLite: another connection holds the write lock, so the bot's writes time out ("database is locked")
    after its short busy timeout. PostgreSQL: another connection locks the ledger table, and the bot's
    backend waiting for it in the middle of planning is terminated (pg_terminate_backend), which drops
    its connection.
    """
    if url.startswith("sqlite"):
        holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
    conn, watcher = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    lock = conn.transaction()
    await lock.start()
    await conn.execute("LOCK TABLE digest_deliveries IN EXCLUSIVE MODE")

    async def drop_the_planner() -> None:
        while True:  # outside a transaction: pg_stat_activity is read afresh each time
            waiting = await watcher.fetch(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'INSERT INTO digest_deliveries%'"
            )
            if waiting:
                await watcher.fetch("SELECT pg_terminate_backend($1)", waiting[0]["pid"])
                return
            await asyncio.sleep(0.05)

    killer = asyncio.create_task(drop_the_planner())
    try:
        yield
    finally:
        killer.cancel()
        await lock.rollback()
        await conn.close()
        await watcher.close()


def short_busy_timeout(url: str) -> str:
    """The URL with SQLite's busy timeout cut to 0.3 s (a lock then fails fast); others as they are."""
    return f"{url}?timeout=0.3" if url.startswith("sqlite") else url


async def test_planning_that_fails_on_the_database_is_retried_and_every_chat_gets_one_digest(
    harness: BotHarness,
    emulator: FakeBotAPI,
    admin: Chat,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=PLANNER)
    async with harness.run(database_url=short_busy_timeout(database_url)) as app:
        services = started(app)
        await seed(services.store, CHATS, articles=0)
        await post(admin, "Council approves budget", STORY)
        await fire_soon(services, *CHATS, seconds=2)
        for sub in await services.store.subscribers.subscribed():
            services.schedule.schedule(sub)
        async with planning_fails(database_url):
            await wait_logged(caplog, "digest planning failed: retry 1 for 3 chat(s)")
            assert await ledger_deliveries(services.store) == []
        await wait_logged(caplog, "3 chat(s) planned at attempt")
        await settle(services.store, len(CHATS))
        entries = await ledger_entries(services.store)
        assert_exactly_once(emulator, entries, CHATS)
        for chat_id in CHATS:
            (digest,) = emulator.sent(chat_id)
            assert "Council approves budget" in digest.text
        assert "/subscribe" in await Chat(emulator, 777).ask("/start")  # still answering


async def test_an_article_or_a_chat_that_breaks_the_layout_costs_only_itself(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    """Corrupt stored embeddings (as a bad write would leave them): the article's is left out of every
    digest, the chat whose topic's is corrupt is not planned (the others are), and the sweep plans it
    once its topic is gone."""
    caplog.set_level(logging.INFO, logger=PLANNER)
    reader, other, broken = (Chat(emulator, chat) for chat in CHATS)
    async with harness.run() as app:
        services = started(app)
        for chat in (reader, other, broken):
            await chat.ask("/subscribe")
        await broken.ask("/follow EU")
        await post(admin, "Council approves budget", STORY)
        bad = await post(admin, "Harbour bridge reopens", BRIDGE_STORY)
        async with services.store.engine.begin() as conn:
            await conn.execute(
                update(ArticleEmbeddingRow)
                .where(ArticleEmbeddingRow.article_id == bad)
                .values(vector=b"\0" * 10)
            )
            await conn.execute(
                update(TopicRow).where(TopicRow.chat_id == broken.user_id).values(vector=b"\0" * 6)
            )
        await fire_soon(services, *CHATS, seconds=2)
        for sub in await services.store.subscribers.subscribed():
            services.schedule.schedule(sub)

        for chat in (reader, other):
            (digest,) = await emulator.wait_for(chat.user_id, 1, timeout=20)
            assert "Council approves budget" in digest.text and "Harbour bridge" not in digest.text
            assert "1 story" in digest.text
        await wait_logged(caplog, f"chats {broken.user_id}); the sweep tries them again")
        assert logged(caplog, f"article #{bad} left out of the digest")
        assert [chat for chat, _, _ in await ledger_deliveries(services.store)] == [
            reader.user_id,
            other.user_id,
        ]

        assert "Removed" in await broken.ask("/unfollow EU")
        assert await services.schedule.sweep() == 1
        (digest,) = await emulator.wait_for(broken.user_id, 1, timeout=20)
        assert "Council approves budget" in digest.text and "Harbour bridge" not in digest.text
        await settle(services.store, 3)
        assert await services.schedule.sweep() == 0


def hours_ago(hours: float) -> Any:
    """A clock that runs `hours` behind."""
    return lambda: utc_now() - timedelta(hours=hours)


async def digest_dates(store: Store) -> list[tuple[int, date, str]]:
    """(chat, digest date, status) of every delivery."""
    dd = DigestDeliveryRow
    async with store.db.sessions() as session:
        return list(await session.execute(select(dd.chat_id, dd.digest_date, dd.status).order_by(dd.id)))  # type: ignore[arg-type]


def minute_of(moment: datetime) -> datetime:
    """The moment rounded down to its minute (DIGEST_TIME is HH:MM)."""
    return moment.replace(second=0, microsecond=0)


async def test_a_bot_started_two_hours_after_the_digest_time_still_sends_it(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat, user: Chat
) -> None:
    """Subscribed at 3 h ago, the bot down at the digest time (2 h ago): the start-up sweep sends it, on
    its day; the periodic sweep (a JobQueue job every 5 minutes) finds one nobody planned while up."""
    async with harness.run(clock=hours_ago(3)):
        await user.ask("/subscribe")
        await post(admin, "Council approves budget", STORY)
    due = minute_of(utc_now() - timedelta(hours=2))
    async with harness.run(digest_time=due.time(), timezone="UTC") as app:
        services = started(app)
        (digest,) = await emulator.wait_for(USER_ID, 1, timeout=30)
        assert "Council approves budget" in digest.text and f"{due:%A, %-d %B %Y}" in digest.text
        await settle(services.store, 1)
        assert await digest_dates(services.store) == [(USER_ID, due.date(), "sent")]
        assert await services.schedule.sweep() == 0  # planned: nothing more to do

        (job,) = app.job_queue.get_jobs_by_name(SWEEP_JOB)
        assert job.job.trigger.interval == SWEEP_EVERY
        await seed(
            services.store, [OTHER_ID], articles=0, digest_time=(utc_now() - timedelta(hours=1)).time()
        )
        await job.run(app)
        (other,) = await emulator.wait_for(OTHER_ID, 1, timeout=30)
        assert "Council approves budget" in other.text
        await settle(services.store, 2)
        assert len(emulator.sent(USER_ID)) == 2  # the /subscribe reply and the one digest


async def test_a_bot_started_seven_hours_after_the_digest_time_records_it_as_skipped(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat, user: Chat
) -> None:
    async with harness.run(clock=hours_ago(8)):
        await user.ask("/subscribe")
        await post(admin, "Council approves budget", STORY)
    due = minute_of(utc_now() - timedelta(hours=7))
    async with harness.run(digest_time=due.time(), timezone="UTC") as app:
        services = started(app)

        async def recorded() -> bool:
            return bool(await ledger_deliveries(services.store))

        await wait_until(recorded)
        ((chat, status, reason),) = await ledger_deliveries(services.store)
        assert (chat, status) == (USER_ID, "skipped") and "DIGEST_CATCHUP_HOURS (6 h)" in (reason or "")
        assert await digest_dates(services.store) == [(USER_ID, due.date(), "skipped")]
        assert await services.schedule.sweep() == 0  # recorded: never tried again
        await asyncio.sleep(1.0)
        assert len(emulator.sent(USER_ID)) == 1  # only the /subscribe reply
        daily = await services.store.stats.daily(utc_now())
        assert sum(daily.skipped) == 1 and sum(daily.sent) == 0
    assert ADMIN_ID not in {m.chat_id for m in emulator.sent() if "digest" in m.text}
