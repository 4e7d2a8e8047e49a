"""End to end: following RSS/Atom feeds, polled by the real JobQueue job against a local web server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.handlers.feeds import JOB_NAME
from bot.services import Services
from tests.conftest import BotHarness, Chat
from tests.digest_helpers import services_of
from tests.site import FeedItem, Site

pytestmark = pytest.mark.usefixtures("app")

FULL_ITEM = (
    "The regional airport will add three new routes next summer, to Lisbon, Krakow and Split, the operator "
    "said on Tuesday. The routes will run twice a week from May to September and are expected to carry "
    "forty thousand passengers in their first season. The operator said demand from local travellers had "
    "grown strongly since the terminal was refurbished, and that further routes could follow if the first "
    "season goes well. Tickets go on sale next month through the airline partners and the airport website. "
    "Local businesses welcomed the news, saying the routes would bring more visitors to the town centre."
)


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    """The local web server (its feed starts with one old item)."""
    async with Site() as server:
        server.items.append(FeedItem("old-1", "Old story", server.url("/old"), "An old story. " * 50))
        yield server


@pytest.fixture
async def app(harness: BotHarness) -> AsyncIterator[Any]:
    """The bot, allowed to fetch from 127.0.0.1."""
    async with harness.run(allow_private_urls=True, fetch_timeout_seconds=2) as application:
        yield application


async def poll(app: Any, after: timedelta | None = None) -> None:
    """Run the feed job as the JobQueue would `after` from the last run (default FEED_POLL_MINUTES):
    the poller's clock moves on by that much first."""
    poller = services_of(app).feeds
    shift, earlier = after if after is not None else poller.interval, poller.clock
    poller.clock = lambda: earlier() + shift
    (job,) = app.job_queue.get_jobs_by_name(JOB_NAME)
    await job.run(app)


async def test_feed_job_runs_often_enough_for_the_shortest_feed_interval(app: Any) -> None:
    (job,) = app.job_queue.get_jobs_by_name(JOB_NAME)
    assert job.trigger.interval.total_seconds() == 5 * 60  # FEED_POLL_MINUTES=15; /feed N every 5


async def test_follow_a_feed_and_ingest_new_entries_once(
    admin: Chat, site: Site, services: Services, app: Any
) -> None:
    reply = await admin.result(f"/addfeed {site.url('/rss.xml')}")
    assert reply.startswith("Following feed #1: Coastal Times"), reply
    assert "Its 1 current entry is skipped" in reply
    assert await services.store.articles.latest(5) == []

    site.items[:0] = [
        FeedItem("new-2", "Airport adds routes", site.url("/routes"), FULL_ITEM),
        FeedItem(
            "new-1", "Library hours", site.url("/teaser-full.html"), "Libraries stay open later. Read more…"
        ),
    ]
    await poll(app)
    articles = await services.store.articles.latest(10)
    assert [a.title for a in articles] == ["Airport adds routes", "Library hours"]  # oldest entry first
    teaser = articles[1]
    assert teaser.body.startswith("All twelve county libraries will open until eight")  # the full page
    assert teaser.source_url == site.url("/teaser-full.html")
    assert articles[0].body == FULL_ITEM  # full text in the feed: no page fetched
    assert site.hits("/routes") == []

    # nothing new: conditional GET answered 304, nothing ingested twice
    await poll(app)
    assert site.hits("/rss.xml")[-1].get("If-None-Match") == '"v3"'
    assert len(await services.store.articles.latest(10)) == 2
    # a changed feed that still lists the seen entries: only the new one is added
    site.items.insert(0, FeedItem("new-3", "Airport adds routes again", site.url("/routes"), FULL_ITEM))
    await poll(app)
    assert len(await services.store.articles.latest(10)) == 2  # same URL and story: a duplicate, skipped

    listing = await admin.ask("/feeds")
    assert "#1 Coastal Times" in listing and site.url("/rss.xml") in listing and "ok" in listing
    assert "Stopped following feed #1" in await admin.ask("/removefeed 1")
    assert "No feeds followed yet" in await admin.ask("/feeds")


async def test_broken_feed_backs_off_and_does_not_stop_others(
    admin: Chat, site: Site, services: Services, app: Any
) -> None:
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    assert "Following feed #2" in await admin.result(f"/addfeed {site.url('/other.xml')}")
    site.broken.add("/rss.xml")
    site.items.insert(0, FeedItem("n", "Airport adds routes", site.url("/routes"), FULL_ITEM))
    await poll(app)
    (article,) = await services.store.articles.latest(5)
    assert article.title == "Airport adds routes"  # from the healthy feed
    broken = await services.store.feeds.get(1)
    assert broken is not None and broken.failures == 1 and "HTTP 500" in (broken.last_error or "")
    assert broken.next_poll_at is not None and broken.next_poll_at > services.clock()

    hits = len(site.hits("/rss.xml"))
    await poll(app, after=timedelta(minutes=14))  # the healthy feed is due, the broken one backs off
    assert len(site.hits("/rss.xml")) == hits
    last = site.hits("/other.xml")[-1]  # the healthy feed: conditional GET by Last-Modified
    assert last.get("If-Modified-Since") == "Fri, 20 Nov 2026 08:02:00 GMT"
    assert len(await services.store.articles.latest(5)) == 1
    assert "failing ×1" in await admin.ask("/feeds")


async def test_addfeed_bad_input(admin: Chat, site: Site, services: Services) -> None:
    assert "Usage: /addfeed" in await admin.ask("/addfeed")
    assert "Usage: /addfeed" in await admin.ask("/addfeed a b")
    assert "not an RSS or Atom feed" in await admin.result(f"/addfeed {site.url('/article.html')}")
    assert "HTTP 404" in await admin.result(f"/addfeed {site.url('/missing')}")
    assert "Only http:// and https://" in await admin.result("/addfeed file:///etc/passwd")
    assert await services.store.feeds.all() == []
    assert "Usage: /removefeed" in await admin.ask("/removefeed x")
    assert "There is no feed #7" in await admin.ask("/removefeed 7")
    atom = await admin.result(f"/addfeed {site.url('/atom.xml')}")
    assert atom.startswith("Following feed #1: Atom News"), atom
    assert "Already following that feed as #1" in await admin.result(f"/addfeed {site.url('/atom.xml')}")


async def test_editors_rename_retime_pause_and_resume_feeds(
    admin: Chat, site: Site, services: Services, app: Any
) -> None:
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    assert "Following feed #2" in await admin.result(f"/addfeed {site.url('/other.xml')}")
    renamed = await admin.ask("/feed 1 name Harbour <Wire>")
    assert renamed == "Feed #1 is now called Harbour <Wire>.", renamed
    assert "every 5 minutes" in await admin.ask("/feed 1 every 5")
    assert "Paused feed #2" in await admin.ask("/feed 2 pause")
    listing = await admin.ask("/feeds")
    first, second = listing.split("\n\n")[1:]
    assert first.startswith("#1 Harbour <Wire>") and "every 5 minutes" in first, first
    assert "paused" in second and "paused" not in first, listing

    site.items.insert(0, FeedItem("n1", "Airport adds routes", site.url("/routes"), FULL_ITEM))
    rss, other = len(site.hits("/rss.xml")), len(site.hits("/other.xml"))
    await poll(app, after=timedelta(minutes=5))
    assert [a.title for a in await services.store.articles.latest(5)] == ["Airport adds routes"]
    assert len(site.hits("/other.xml")) == other  # paused: not fetched
    await poll(app, after=timedelta(minutes=5))
    assert len(site.hits("/rss.xml")) == rss + 2  # every 5 minutes: both rounds
    assert len(site.hits("/other.xml")) == other

    assert "Resumed feed #2" in await admin.ask("/feed 2 resume")
    await poll(app, after=timedelta(minutes=5))  # 15+ minutes since /addfeed: feed #2 is due
    assert len(site.hits("/other.xml")) == other + 1
    await poll(app, after=timedelta(minutes=5))  # feed #2 keeps FEED_POLL_MINUTES=15: not yet again
    assert len(site.hits("/other.xml")) == other + 1
    assert len(site.hits("/rss.xml")) == rss + 4
    await poll(app, after=timedelta(minutes=10))
    assert len(site.hits("/other.xml")) == other + 2
    feeds = await services.store.feeds.all()
    assert [(f.title, f.poll_minutes, f.paused) for f in feeds] == [
        ("Harbour <Wire>", 5, False),
        ("Coastal Times", None, False),
    ]


async def test_feed_command_bad_input_changes_nothing(
    admin: Chat, user: Chat, site: Site, services: Services
) -> None:
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    before = await services.store.feeds.all()
    for text in ("/feed", "/feed 1", "/feed x name Foo", "/feed 1 fly", "/feed 1 pause now"):
        assert (await admin.ask(text)).startswith("Usage: /feed <id> name"), text
    for text in ("/feed 1 every 4", "/feed 1 every abc", "/feed 1 every 5 10", "/feed 1 every 99999"):
        assert (await admin.ask(text)).startswith("Usage: /feed 1 every <minutes>, a whole number from 5"), (
            text
        )
    assert (await admin.ask("/feed 1 name")).startswith("Usage: /feed 1 name <text>")
    assert "There is no feed #9" in await admin.ask("/feed 9 pause")
    refused = await user.ask("/feed 1 pause")
    assert "only the outlet's editors can change feeds" in refused, refused
    assert await services.store.feeds.all() == before
