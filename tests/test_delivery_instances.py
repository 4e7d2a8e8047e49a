"""Two real bot processes on one PostgreSQL share a fan-out without duplicates; a killed one's claims
are taken over when its lease expires."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.emulator import FakeBotAPI
from bot.storage import Store
from bot.storage.database import Database
from bot.storage.models import DigestDeliveryRow
from tests.conftest import PG_SKIP, reset_postgres
from tests.delivery_helpers import assert_exactly_once, seed, settle
from tests.digest_helpers import ledger_entries
from tests.test_delivery_process import _engine, bot_env, bot_process, ledger_agrees, wait_sent
from tests.test_e2e_webhook import free_port

SUBSCRIBERS = 500  # a fan-out long enough (~10 s at SEND_RATE 60) for the second to start on a loaded host


async def owners_now(store: Store) -> set[str]:
    """The instances holding claims right now."""
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            select(DigestDeliveryRow.owner).where(DigestDeliveryRow.status == "sending").distinct()
        )
        return {owner for (owner,) in rows if owner}


async def test_two_instances_share_the_fan_out_and_take_over_a_dead_ones_claims(
    emulator: FakeBotAPI, tmp_path: Path
) -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP)
    await reset_postgres(url)
    chats = list(range(70_001, 70_001 + SUBSCRIBERS))
    due = (datetime.now(UTC) - timedelta(minutes=1)).time().replace(microsecond=0)
    async with await Store.open(url) as store:
        await seed(store, chats, articles=2, long=True, digest_time=due)

    def env(port: int) -> dict[str, str]:
        return bot_env(
            emulator,
            url,
            SEND_RATE="60",
            DELIVERY_LEASE="3",
            SEND_TIMEOUT="1",
            WEBHOOK_URL=f"http://127.0.0.1:{port}/tg",
            WEBHOOK_SECRET="two-instances",
            WEBHOOK_LISTEN="127.0.0.1",
            PORT=str(port),
        )

    async with (
        Store(Database(await _engine(url))) as store,
        bot_process(env(free_port()), tmp_path, "a.log") as first,
    ):
        await wait_sent(emulator, 1, timeout=90)
        async with bot_process(env(free_port()), tmp_path, "b.log") as second:
            seen: set[str] = set()
            for _ in range(200):  # both instances hold claims at the same time
                seen |= await owners_now(store)
                if len(seen) >= 2 and len(await owners_now(store)) == 2:
                    break
                await asyncio.sleep(0.05)
            assert len(seen) >= 2, f"only {seen} ever claimed work"
            # kill -9 the first instance outside the unavoidable window (see test_delivery_process)
            emulator.set_delay(60, "sendMessage", drop_if_gone=True)
            await ledger_agrees(store, emulator)
            assert len(await owners_now(store)) == 2  # the first instance dies holding claims
            first.send_signal(signal.SIGKILL)
            await first.wait()
            emulator.set_delay(0, "sendMessage")

            await settle(store, SUBSCRIBERS, timeout=120)
            entries = await ledger_entries(store)
            assert_exactly_once(emulator, entries, chats)
            assert len(entries) == len([m for m in emulator.sent() if m.chat_id in set(chats)])
            emulator.send_message(43, "/start")  # the webhook now points at the second instance
            (reply,) = await emulator.wait_for(43, 1, timeout=30)
            assert "/subscribe" in reply.text
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), timeout=15) == 0
