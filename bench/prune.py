"""Benchmark: the daily ledger prune (`Ledger.prune`) on a SQLite ledger of chats × days of sent digests.

Run from the repository root: python -m bench.prune [--chats N] [--days N] [--keep N] [--db-url URL]
Builds the ledger with the bot's own planning call (one shared part per day), marks everything sent, then
times a prune that keeps the last --keep days, and a second one that finds nothing to delete.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot.storage import Store
from bot.storage.ledger import DELIVERIES, PARTS, PartText, PlannedDigest


async def run(url: str, chats: int, days: int, keep: int) -> None:
    """Build, prune twice, print the figures."""
    store = await Store.open(url)
    try:
        start = datetime(2026, 1, 1, 19, tzinfo=UTC)
        began = time.perf_counter()
        for day in range(days):
            at = start + timedelta(days=day)
            part = (PartText(f"digest of day {day}"),)
            await store.ledger.plan(
                [PlannedDigest(c, at.date(), at, 1, part) for c in range(1, chats + 1)], at
            )
        async with store.engine.begin() as connection:
            await connection.execute(update(DELIVERIES).values(status="sent"))
            await connection.execute(update(PARTS).values(status="sent"))
        took = time.perf_counter() - began
        print(f"built {chats * days:,} deliveries ({chats:,} chats × {days} days) in {took:.1f} s")
        before = start + timedelta(days=days - keep)
        for label in ("prune", "second prune"):
            began = time.perf_counter()
            deleted = await store.ledger.prune(before)
            print(f"{label}: {deleted:,} deliveries deleted in {time.perf_counter() - began:.2f} s")
        async with store.engine.connect() as connection:
            left = (await connection.execute(select(func.count()).select_from(DELIVERIES))).scalar()
        print(f"left: {left:,} deliveries")
    finally:
        await store.close()


def main() -> None:
    """Parse arguments and run in a temporary SQLite database unless --db-url is given."""
    parser = argparse.ArgumentParser(prog="python -m bench.prune", description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--keep", type=int, default=90, help="days kept (LEDGER_RETENTION_DAYS)")
    parser.add_argument("--db-url", default=None, help="a database to fill (it must be empty)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db_url or f"sqlite+aiosqlite:///{folder}/ledger.db"
        asyncio.run(run(url, args.chats, args.days, args.keep))


if __name__ == "__main__":
    main()
