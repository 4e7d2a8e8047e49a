"""kill -9 in the middle of a fan-out, then a restart: every part arrives exactly once (real processes) —
the outlet's channel's edition among them, pinned once."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.emulator import FakeBotAPI
from bot.storage import Store
from bot.storage.database import Database
from tests.conftest import child_env
from tests.delivery_helpers import assert_exactly_once, seed, settle
from tests.digest_helpers import ledger_entries

SUBSCRIBERS = 300
CHANNEL = -1001555000777  # the outlet's channel, posted to in the same fan-out


def bot_env(emulator: FakeBotAPI, database_url: str, **extra: str) -> dict[str, str]:
    """Environment for `python -m bot` against the emulator, importing this checkout."""
    env = child_env(
        BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=database_url,
        SUMMARIZER="lead",
        SEMANTIC="false",  # no embedder to load: these processes test delivery, and start in a second
        **extra,
    )
    return env


@asynccontextmanager
async def bot_process(
    env: dict[str, str], cwd: Path, log_name: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot` as a child process; killed on exit if still running."""
    with (cwd / log_name).open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=cwd, env=env, stdout=log_file, stderr=log_file
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def wait_sent(emulator: FakeBotAPI, count: int, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(emulator.sent()) < count:
        assert loop.time() < deadline, f"only {len(emulator.sent())} of {count} messages arrived"
        await asyncio.sleep(0.05)


async def ledger_agrees(store: Store, emulator: FakeBotAPI, timeout: float = 30.0) -> None:
    """Wait until every message the server accepted is recorded as sent in the ledger."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await asyncio.sleep(0.2)
        sent = sum(1 for e in await ledger_entries(store) if e.status == "sent")
        if sent == len(emulator.sent()):
            return
        assert loop.time() < deadline, f"ledger has {sent} sent, server {len(emulator.sent())}"


async def test_kill_9_mid_fan_out_then_restart_sends_every_part_exactly_once(
    emulator: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    chats = list(range(50_001, 50_001 + SUBSCRIBERS))
    due = (datetime.now(UTC) - timedelta(minutes=1)).time().replace(microsecond=0)
    emulator.add_channel(CHANNEL, "Outlet News", username="outletnews", notify=False)
    async with await Store.open(database_url) as store:  # the digest time has just passed: catch-up
        await seed(store, [*chats, CHANNEL], articles=2, long=True, digest_time=due)
        await store.channels.add(
            CHANNEL, title="Outlet News", username="outletnews", added_by=1, now=datetime.now(UTC)
        )
        await store.channels.set_options(CHANNEL, pin=True, silent=True)
    env = bot_env(emulator, database_url, SEND_RATE="150", DELIVERY_LEASE="3", SEND_TIMEOUT="1")

    async with bot_process(env, tmp_path, "first.log") as first:
        await wait_sent(emulator, SUBSCRIBERS // 2, timeout=90)
        # Hold every send still on its way, let the ones already answered be recorded, then kill -9:
        # the ledger has parts claimed ("sending") whose requests never reached Telegram.
        emulator.set_delay(60, "sendMessage", drop_if_gone=True)
        async with Store(Database(await _engine(database_url))) as store:
            await ledger_agrees(store, emulator)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    before_restart = len(emulator.sent())
    async with Store(Database(await _engine(database_url))) as store:
        unsent = [e for e in await ledger_entries(store) if e.status != "sent"]
    assert unsent and before_restart < SUBSCRIBERS * 2, "the kill did not land mid fan-out"
    emulator.set_delay(0, "sendMessage")

    async with bot_process(env, tmp_path, "second.log") as second:
        async with Store(Database(await _engine(database_url))) as store:
            await settle(store, SUBSCRIBERS + 1, timeout=120)
            entries = await ledger_entries(store)
            assert_exactly_once(emulator, entries, [*chats, CHANNEL])
            assert len(entries) == len(emulator.sent()) >= 2 * (SUBSCRIBERS + 1)
            # the channel's edition: silent, deep links only, its first message pinned once
            edition = emulator.sent(CHANNEL)
            assert len(edition) >= 2 and all(m.disable_notification for m in edition)
            assert not any(m.disable_notification for m in emulator.sent(chats[0]))
            links = [
                b for m in edition for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row
            ]
            assert links and all(b["url"].startswith("https://t.me/newsbot?start=f") for b in links)
            await _pinned(emulator, edition[0].message_id)
            # the parts of each chat arrived in order
            for chat_id in chats[:20]:
                texts = [m.text for m in emulator.sent(chat_id)]
                assert texts[0].startswith("📰 Your digest"), texts
        emulator.send_message(42, "/start")
        (reply,) = await emulator.wait_for(42, 1, timeout=30)
        assert "/subscribe" in reply.text
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), timeout=15) == 0
    assert len(emulator.sent()) > before_restart


async def _pinned(emulator: FakeBotAPI, message_id: int, timeout: float = 30.0) -> None:
    """Wait until the channel's edition is pinned (after its last part is recorded); exactly once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not emulator.pins(CHANNEL):
        assert loop.time() < deadline, "the channel's edition was never pinned"
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    assert emulator.pins(CHANNEL) == [message_id]


async def _engine(database_url: str):  # type: ignore[no-untyped-def]
    """An engine on the bot's database, without running migrations again."""
    from bot.storage.database import create_engine as _create_engine

    return _create_engine(database_url)
