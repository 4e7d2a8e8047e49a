"""Test-side reads of the digest ledger and a one-chat digest run (production code has no use for them)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from bot.services import Services
from bot.storage import FINISHED, Store
from bot.storage.models import DigestDeliveryRow, DigestPartRow


def services_of(application: Any) -> Services:
    """The services a started application attached."""
    return application.bot_data.services


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger part joined with its delivery."""

    delivery_id: int
    chat_id: int
    digest_date: date
    delivery_status: str
    part: int
    status: str
    message_id: int | None
    attempts: int
    reason: str | None


async def ledger_entries(store: Store, chat_id: int | None = None) -> list[LedgerEntry]:
    """Every ledger part (optionally one chat's), ordered by delivery and part."""
    dd, dp = DigestDeliveryRow, DigestPartRow
    stmt = (
        select(dd.id, dd.chat_id, dd.digest_date, dd.status, dp.part)
        .add_columns(dp.status, dp.message_id, dp.attempts, dp.reason)
        .join(dp, dp.delivery_id == dd.id)
        .order_by(dd.id, dp.part)
    )
    if chat_id is not None:
        stmt = stmt.where(dd.chat_id == chat_id)
    async with store.db.sessions() as session:
        return [LedgerEntry(*row) for row in await session.execute(stmt)]


async def ledger_deliveries(store: Store) -> list[tuple[int, str, str | None]]:
    """(chat id, status, reason) of every delivery, oldest first."""
    dd = DigestDeliveryRow
    async with store.db.sessions() as session:
        rows = await session.execute(select(dd.chat_id, dd.status, dd.reason).order_by(dd.id))
        return [(chat, status, reason) for chat, status, reason in rows]


async def delivery_status(store: Store, delivery_id: int) -> str | None:
    """The status of one delivery, or None when it does not exist."""
    async with store.db.sessions() as session:
        stmt = select(DigestDeliveryRow.status).where(DigestDeliveryRow.id == delivery_id)
        return await session.scalar(stmt)


async def send_digest(
    services: Services, chat_id: int, *, at: datetime | None = None, timeout: float = 60.0
) -> str:
    """Plan today's digest for one chat (or the one due `at`, e.g. tomorrow's), as its job would, and
    wait for the engine; return its status."""
    sub = await services.store.subscribers.get(chat_id)
    if sub is None or not sub.subscribed:
        return "skipped"
    created = await services.fanout.planner.plan([chat_id], at or services.clock())
    if not created:
        return "duplicate"
    services.delivery.kick()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (status := await delivery_status(services.store, created[0])) not in FINISHED:
        if loop.time() > deadline:
            return status or "missing"
        await asyncio.sleep(0.05)
    return status
