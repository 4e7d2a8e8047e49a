"""Article and feed ids are never reused, on SQLite (AUTOINCREMENT, revision 0006) and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from bot.storage import Store
from bot.storage import migrate as migrations
from bot.storage.models import (
    ArticleEmbeddingRow,
    DigestPlanRow,
    FeedEntryRow,
    FeedRow,
    UTCDateTime,
)
from tests.test_storage import T0, add, db_url, store

__all__ = ["db_url", "store"]  # fixtures re-used from test_storage


async def test_deleted_article_and_feed_ids_are_never_handed_out_again(db_url: str) -> None:
    async with await Store.open(db_url) as first:
        ids = [(await add(first, f"Story {n}", f"body {n}")).id for n in range(3)]
        assert await first.articles.delete(ids[-1])  # the newest: SQLite would hand out its id again
        after_delete = (await add(first, "Next", "the next story")).id
        assert after_delete > ids[-1]
        feeds = [
            (await first.feeds.add(url=f"https://f{n}.example/", title="F", added_by=1, now=T0))[0].id
            for n in range(2)
        ]
        assert await first.feeds.remove(feeds[-1])
        next_feed, _ = await first.feeds.add(url="https://f9.example/", title="F", added_by=1, now=T0)
        assert next_feed.id > feeds[-1]
        assert await first.articles.delete(after_delete)
        assert await first.feeds.remove(next_feed.id)
    async with await Store.open(db_url) as reopened:  # a restart: the counters are in the database
        assert (await add(reopened, "After restart", "a story after the restart")).id > after_delete
        feed, _ = await reopened.feeds.add(url="https://f10.example/", title="F", added_by=1, now=T0)
        assert feed.id > next_feed.id


# The columns these tables had at revision 0005 (later revisions add more: the ORM tables would name them).
ARTICLES_0005 = sa.table(
    "articles",
    *(sa.column(name) for name in ("id", "title", "body", "source_url", "posted_by")),
    sa.column("created_at", UTCDateTime()),
    *(sa.column(name) for name in ("summary", "summarizer", "content_hash")),
)
TEXTS_0005 = sa.table("digest_texts", sa.column("text_hash"), sa.column("html"), sa.column("markup"))


def rows_at_0005(connection: Connection) -> None:
    """What a database at revision 0005 holds: articles 1-3 (3 deleted later), an embedding, a feed with a
    seen entry, and digests that named articles 7 and 9 (since deleted)."""
    connection.execute(
        insert(ARTICLES_0005),
        [
            {
                "id": n,
                "title": f"Story {n}",
                "body": f"harbour story number {n}",
                "source_url": None,
                "posted_by": 1,
                "created_at": T0,
                "summary": f"summary {n}",
                "summarizer": "test",
                "content_hash": f"{n:064d}",
            }
            for n in (1, 2, 3)
        ],
    )
    connection.execute(text("DELETE FROM articles WHERE id = 3"))
    connection.execute(
        insert(ArticleEmbeddingRow.__table__), {"article_id": 2, "model": "m", "vector": b"\x01"}
    )
    connection.execute(
        insert(FeedRow.__table__),
        {"id": 4, "url": "https://f.example/", "title": "F", "added_by": 1, "created_at": T0, "failures": 0},
    )
    connection.execute(insert(FeedEntryRow.__table__), {"feed_id": 4, "entry_key": "k" * 64, "seen_at": T0})
    connection.execute(insert(DigestPlanRow.__table__), {"cutoff": T0, "recent_article_ids": "[7]"})
    keyboard = {"inline_keyboard": [[{"text": "1 ▾ summary", "callback_data": "x:1:9"}]]}
    connection.execute(
        insert(TEXTS_0005),
        {"text_hash": "h" * 64, "html": "digest", "markup": json.dumps(keyboard)},
    )


async def check_upgraded(opened: Store) -> None:
    """Every row survived the rebuild, search still follows the table, and no id named anywhere is reused."""
    assert [a.id for a in await opened.articles.latest(10)] == [2, 1]
    assert await opened.articles.embeddings([2], "m") == {2: b"\x01"}
    assert await opened.feeds.unseen_entries(4, ["k" * 64, "new"]) == ["new"]
    old_feed = await opened.feeds.get(4)  # revision 0010: the default interval, not paused
    assert old_feed is not None and old_feed.poll_minutes is None and old_feed.paused is False
    assert [a.id for a in await opened.articles.search("harbour")] == [2, 1]
    added = await add(opened, "Ferry", "ferry timetable changes")
    assert added.id == 10  # after 9, the highest id a digest button still names
    assert [a.id for a in await opened.articles.search("ferry")] == [10]  # the FTS triggers were recreated
    assert await opened.articles.delete(2)
    assert await opened.articles.embeddings([2], "m") == {}  # the cascade still works
    assert await opened.articles.search("harbour") == [await opened.articles.get(1)]
    feed, _ = await opened.feeds.add(url="https://g.example/", title="G", added_by=1, now=T0)
    assert feed.id == 5


async def test_upgrade_to_0007_keeps_rows_and_skips_every_id_already_used(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    await asyncio.to_thread(migrations.upgrade, url, "0005")
    old = await Store.open(url, migrate=False)
    try:
        async with old.engine.begin() as connection:
            await connection.run_sync(rows_at_0005)
    finally:
        await old.close()
    async with await Store.open(url) as upgraded:
        await check_upgraded(upgraded)
    await asyncio.to_thread(migrations.downgrade, url, "0005")  # and back: the rows are still there
    async with await Store.open(url, migrate=False) as downgraded, downgraded.engine.connect() as connection:
        # read as revision 0005 sees the tables (today's ORM names columns added since)
        newest = await connection.execute(text("SELECT id FROM articles ORDER BY created_at DESC, id DESC"))
        assert list(newest.scalars()) == [10, 1]
        fts = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'ferry'"
        found = await connection.execute(text(fts))
        assert list(found.scalars()) == [10]


async def test_upgrade_with_foreign_keys_enforced_keeps_the_rows_that_cascade() -> None:
    """The in-memory store migrates on its own connection, where PRAGMA foreign_keys=ON: dropping the old
    table would delete the embeddings and seen entries unless the migration keeps them."""
    memory = await Store.open("sqlite+aiosqlite://", migrate=False)
    try:
        async with memory.engine.begin() as connection:

            def to_0005(sync: Connection) -> Any:
                assert sync.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                migrations.upgrade_connection(sync, "0005")

            await connection.run_sync(to_0005)
            await connection.run_sync(rows_at_0005)
            await connection.run_sync(migrations.upgrade_connection)
            version = (
                await connection.execute(select(text("version_num")).select_from(text("alembic_version")))
            ).scalar()
            assert version == "0018"  # head
        await check_upgraded(memory)
    finally:
        await memory.close()
