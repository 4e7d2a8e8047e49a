"""Store methods for feeds, seen entries and URL lookups, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage import Store
from tests.test_storage import T0, add, db_url, store

__all__ = ["db_url", "store"]  # fixtures re-used from test_storage


async def test_feeds_round_trip(store: Store) -> None:
    feed, created = await store.feeds.add(url="https://news.example/rss", title="News", added_by=7, now=T0)
    assert created and feed.failures == 0 and feed.etag is None and feed.next_poll_at is None
    again, created_again = await store.feeds.add(
        url="https://news.example/rss", title="Other", added_by=8, now=T0
    )
    assert not created_again and again.id == feed.id and again.title == "News"
    assert [f.id for f in await store.feeds.all()] == [feed.id]

    await store.feeds.record_success(feed.id, etag='"abc"', last_modified="Fri, 20 Nov 2026", now=T0)
    ok = await store.feeds.get(feed.id)
    assert ok is not None and (ok.etag, ok.last_modified, ok.last_polled_at) == (
        '"abc"',
        "Fri, 20 Nov 2026",
        T0,
    )
    await store.feeds.record_success(feed.id, etag=None, last_modified=None, now=T0, keep_validators=True)
    kept = await store.feeds.get(feed.id)  # a 304 keeps the validators
    assert kept is not None and kept.etag == '"abc"'
    await store.feeds.record_success(feed.id, etag=None, last_modified="Sat, 21 Nov 2026", now=T0)
    fresh = await store.feeds.get(feed.id)  # a fresh response replaces both
    assert fresh is not None and (fresh.etag, fresh.last_modified) == (None, "Sat, 21 Nov 2026")

    later = T0 + timedelta(minutes=30)
    await store.feeds.record_failure(feed.id, error="HTTP 500", now=T0, next_poll_at=later)
    failing = await store.feeds.get(feed.id)
    assert failing is not None and failing.failures == 1 and failing.last_error == "HTTP 500"
    assert await store.feeds.due(T0) == []
    assert [f.id for f in await store.feeds.due(later)] == [feed.id]

    assert await store.feeds.unseen_entries(feed.id, ["a", "b", "a"]) == ["a", "b"]
    await store.feeds.mark_entries_seen(feed.id, ["a"], T0)
    await store.feeds.mark_entries_seen(feed.id, ["a"], T0)  # idempotent
    assert await store.feeds.unseen_entries(feed.id, ["a", "b"]) == ["b"]

    assert await store.feeds.remove(feed.id)
    assert not await store.feeds.remove(feed.id)
    assert await store.feeds.all() == []
    feed2, _ = await store.feeds.add(url="https://news.example/rss", title="News", added_by=7, now=T0)
    assert await store.feeds.unseen_entries(feed2.id, ["a"]) == ["a"]  # seen entries went with the old feed


async def test_article_id_by_url(store: Store) -> None:
    assert await store.articles.id_by_url("https://x.example/a") is None
    article = await add(store, "Linked", "a linked story", source_url="https://x.example/a")
    assert await store.articles.id_by_url("https://x.example/a") == (article.id, "Linked")


async def test_over_long_feed_values_are_refused_before_the_database(store: Store) -> None:
    """On PostgreSQL these would be a DBAPIError (varchar overflow); on both engines they are a ValueError and
    nothing is written."""
    with pytest.raises(ValueError, match=r"feeds\.url: longer than 2048"):
        await store.feeds.add(url="https://news.example/" + "x" * 2048, title="T", added_by=7, now=T0)
    with pytest.raises(ValueError, match=r"feeds\.title: longer than 300"):
        await store.feeds.add(url="https://news.example/rss", title="T" * 301, added_by=7, now=T0)
    assert await store.feeds.all() == []
    feed, _ = await store.feeds.add(url="https://news.example/rss", title="News", added_by=7, now=T0)
    await store.feeds.record_success(feed.id, etag='"ok"', last_modified="Fri, 20 Nov 2026", now=T0)
    for values in [
        {"etag": '"' + "e" * 511 + '"', "last_modified": None},
        {"etag": None, "last_modified": "Fri, 20 Nov 2026 08:00:00 GMT" + " x" * 50},
    ]:
        with pytest.raises(ValueError, match="longer than"):
            await store.feeds.record_success(feed.id, now=T0 + timedelta(hours=1), **values)
    unchanged = await store.feeds.get(feed.id)
    assert unchanged is not None and (unchanged.etag, unchanged.last_polled_at) == ('"ok"', T0)
    # values exactly at the column sizes are stored on both engines
    etag, stamp = "e" * 512, "m" * 128
    await store.feeds.record_success(feed.id, etag=etag, last_modified=stamp, now=T0)
    stored = await store.feeds.get(feed.id)
    assert stored is not None and (stored.etag, stored.last_modified) == (etag, stamp)
    long_url = "https://news.example/" + "x" * (2048 - len("https://news.example/"))
    at_limit, created = await store.feeds.add(url=long_url, title="T" * 300, added_by=7, now=T0)
    assert created and at_limit.url == long_url
