"""End to end (issue 12): story text is never cleaned away, removed lines are reported, only http(s) links
are stored or rendered, and over-long links are refused before anything is fetched."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator import FakeBotAPI, SentMessage
from bot.ingest.fetch import MAX_URL_LENGTH
from bot.services import Services
from tests.conftest import ADMIN_ID, BotHarness, Chat
from tests.site import FeedItem, Site
from tests.test_e2e_feeds import poll
from tests.test_e2e_ingest import app, site, stored_count

__all__ = ["app", "site"]  # fixtures re-used from test_e2e_ingest
pytestmark = pytest.mark.usefixtures("app")

STORY = [
    "Donate blood, the health minister urged residents on Monday, saying hospitals were short of supplies "
    "after the storm.",
    "Photo: the mayor inspected the flood defences on Tuesday and said the river had risen two metres "
    "overnight.",
    "Follow us, the protest leaders told the crowd as the march set off towards the town hall in the rain.",
]
JUNK = ["Share this:", "Follow us on Twitter", "Sign up for our newsletter"]


def slice16(text: str, offset: int, length: int) -> str:
    """The part of a message's text an entity covers (Telegram counts UTF-16 code units)."""
    units = text.encode("utf-16-le")
    return units[offset * 2 : (offset + length) * 2].decode("utf-16-le")


def quoted(message: SentMessage) -> list[str]:
    """The texts of the message's expandable blockquotes (collapsed until the reader taps them)."""
    return [
        slice16(message.text, e["offset"], e["length"])
        for e in message.entities
        if e["type"] == "expandable_blockquote"
    ]


async def test_story_paragraphs_with_trigger_words_are_kept_and_removed_lines_shown(
    admin: Chat, services: Services
) -> None:
    text = "\n".join([JUNK[0], *STORY, *JUNK[1:]])
    working, posted = await admin.send(f"/post Flood appeal\n{text}", replies=2)
    assert working.text == "Working…" and posted.edited
    assert posted.text.startswith("Posted as #1: Flood appeal"), posted.text
    article = await services.store.articles.get(1)
    assert article is not None and article.body == "\n\n".join(STORY)
    assert "Removed 3 lines of page furniture" in posted.text
    assert quoted(posted) == ["\n".join(JUNK)]  # the lines themselves, collapsed until tapped

    clean = "The ferry timetable changes on Monday, with two extra sailings each evening."
    working, posted = await admin.send(f"/post Ferry\n{clean}", replies=2)
    assert posted.text.startswith("Posted as #2: Ferry") and "Removed" not in posted.text
    assert quoted(posted) == []


async def test_forwarded_hidden_links_never_feed_the_junk_rules(
    admin: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    text = (
        "Dock workers returned to work on Friday after a deal on pay was reached overnight.\n"
        "The union said members would vote on the offer next week."
    )
    links = [
        ("Dock workers", "https://port.example/newsletter/cookies"),
        ("vote on the offer", "https://port.example/donate?ref=subscribe"),
    ]
    entities = [
        {"type": "text_link", "offset": text.index(anchor), "length": len(anchor), "url": url}
        for anchor, url in links
    ]
    forwarded = emulator.forward_message(
        ADMIN_ID, text, channel_title="Port News", user_id=ADMIN_ID, entities=entities
    )
    await emulator.wait_for(ADMIN_ID, 1)  # the hint to reply /post
    reply = await admin.result("/post Port strike ends", reply_to_message_id=forwarded["message_id"])
    assert reply.startswith("Posted as #1: Port strike ends"), reply
    assert "Removed" not in reply
    article = await services.store.articles.get(1)
    assert article is not None
    assert article.body == (
        "Dock workers (https://port.example/newsletter/cookies) returned to work on Friday after a deal on "
        "pay was reached overnight.\n\n"
        "The union said members would vote on the offer (https://port.example/donate?ref=subscribe) next "
        "week."
    )


async def test_only_furniture_is_refused_with_the_lines_that_were_removed(
    admin: Chat, services: Services
) -> None:
    reply = await admin.ask("/post Only junk\n" + "\n".join(JUNK))
    assert reply.startswith("Nothing is left once"), reply
    assert "Lines removed (3):" in reply
    for line in JUNK:
        assert f"• {line}" in reply
    assert await stored_count(services) == 0


async def test_non_web_hidden_links_are_never_stored_or_rendered(
    admin: Chat, user: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    text = (
        "Port strike ends\n"
        "Dock workers returned to work on Friday after a deal on pay was reached overnight. "
        "Read the statement. Or this one. The full story is here."
    )
    links = [
        ("Read the statement", "javascript:alert(document.cookie)"),
        ("Or this one", "data:text/html,<script>alert(1)</script>"),
        ("full story", "https://port.example/strike?utm_source=tg"),
    ]
    entities = [
        {"type": "text_link", "offset": text.index(anchor), "length": len(anchor), "url": url}
        for anchor, url in links
    ]
    forwarded = emulator.forward_message(ADMIN_ID, text, user_id=ADMIN_ID, entities=entities)
    await emulator.wait_for(ADMIN_ID, 1)
    reply = await admin.result("/post", reply_to_message_id=forwarded["message_id"])
    assert reply.startswith("Posted as #1: Port strike ends"), reply
    article = await services.store.articles.get(1)
    assert article is not None
    assert article.source_url == "https://port.example/strike"  # the first web link, normalized
    assert "javascript:" not in article.body and "data:" not in article.body

    only_bad = emulator.forward_message(
        ADMIN_ID,
        "Ferry fares frozen\nThe ferry operator froze its fares for another year on Monday. Details here.",
        user_id=ADMIN_ID,
        entities=[{"type": "text_link", "offset": 82, "length": 12, "url": "javascript:alert(1)"}],
    )
    await emulator.wait_for(ADMIN_ID, 1)
    reply = await admin.result("/post", reply_to_message_id=only_bad["message_id"])
    assert reply.startswith("Posted as #2: Ferry fares frozen"), reply
    ferry = await services.store.articles.get(2)
    assert ferry is not None and ferry.source_url is None

    for shown in [await user.send("/summary 1"), await user.send("/summary 2"), await user.send("/digest")]:
        for message in shown:
            assert "javascript:" not in message.raw_text and "data:" not in message.raw_text
    (summary,) = await user.send("/summary 1")
    assert '<a href="https://port.example/strike">Newsroom</a>' in summary.raw_text  # the outlet's name


async def test_links_stored_by_older_code_are_rendered_without_a_link(
    user: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    bad = "javascript:alert(document.cookie)"
    stored = await services.store.articles.add(
        title="Legacy row",
        body="The harbour office moved to the old customs house on Monday.",
        summary="The harbour office moved to the old customs house on Monday.",
        summarizer="test",
        posted_by=ADMIN_ID,
        source_url=bad,
        created_at=services.clock(),
    )
    (summary,) = await user.send(f"/summary {stored.id}")
    (digest,) = await user.send("/digest")
    assert "Legacy row" in summary.text and "Legacy row" in digest.text
    for message in (summary, digest):
        assert bad not in message.raw_text and "<a href" not in message.raw_text, message.raw_text
        assert not [e for e in message.entities if e["type"] == "text_link"]
    assert f"#{stored.id}" in digest.text  # the item is still reachable with /summary


def long_url(site: Site, path: str) -> str:
    """A link to the test server one character longer than the bot keeps."""
    base = site.url(path) + "?q="
    return base + "x" * (MAX_URL_LENGTH + 1 - len(base))


async def test_over_long_links_are_refused_before_any_fetch(
    admin: Chat, site: Site, services: Services
) -> None:
    url = long_url(site, "/article.html")
    assert len(url) == MAX_URL_LENGTH + 1
    for message in [f"/post {url}", url]:
        reply = await admin.result(message)
        assert reply == (
            f"That link is too long ({MAX_URL_LENGTH + 1:,} characters; the most I can keep is "
            f"{MAX_URL_LENGTH:,})."
        ), reply
    feed = await admin.result(f"/addfeed {long_url(site, '/rss.xml')}")
    assert "That link is too long" in feed, feed
    assert site.requests == []  # nothing was fetched
    assert await stored_count(services) == 0 and await services.store.feeds.all() == []
    # a link exactly at the limit is fetched as usual
    fits = long_url(site, "/article.html")[:-1]
    assert (await admin.result(f"/post {fits}")).startswith("Posted as #1"), fits
    assert len(site.hits("/article.html")) == 1


async def test_a_feed_entry_with_an_over_long_link_is_never_fetched(
    admin: Chat, site: Site, services: Services, app: Any
) -> None:
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    teaser = "All twelve county libraries will stay open until eight on weekdays from January. Read more…"
    site.items.insert(0, FeedItem("long-1", "Library hours", long_url(site, "/teaser-full.html"), teaser))
    await poll(app)
    assert site.hits("/teaser-full.html") == []  # the teaser's page was not fetched
    (article,) = await services.store.articles.latest(5)
    assert article.title == "Library hours" and article.source_url is None
    feed = await services.store.feeds.get(1)
    assert feed is not None and feed.failures == 0


async def test_a_feed_with_broken_xml_is_refused_like_a_non_feed(
    admin: Chat, site: Site, services: Services
) -> None:
    site.truncated.add("/rss.xml")
    reply = await admin.result(f"/addfeed {site.url('/rss.xml')}")
    assert reply.startswith("That feed is broken: its XML can't be read ("), reply
    assert await services.store.feeds.all() == []


async def test_a_followed_feed_that_turns_broken_counts_as_a_failed_poll(
    admin: Chat, site: Site, services: Services, app: Any
) -> None:
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    site.truncated.add("/rss.xml")
    site.items.insert(0, FeedItem("n1", "Airport adds routes", site.url("/routes"), "A new story. " * 60))
    await poll(app)
    feed = await services.store.feeds.get(1)
    assert feed is not None and feed.failures == 1
    assert (feed.last_error or "").startswith("That feed is broken"), feed.last_error
    assert feed.next_poll_at is not None and feed.next_poll_at > services.clock()
    assert "failing ×1: That feed is broken" in await admin.ask("/feeds")
    assert await stored_count(services) == 0


async def test_over_long_feed_validators_are_not_stored_or_used(
    admin: Chat, site: Site, services: Services, app: Any
) -> None:
    """An ETag or Last-Modified longer than its column (a DBAPIError on PostgreSQL before) is dropped: the
    feed is followed and healthy, polled without a conditional GET."""
    site.etag = '"' + "e" * 600 + '"'
    site.last_modified = "Fri, 20 Nov 2026 08:00:00 GMT; " + "x" * 200
    assert (await admin.result(f"/addfeed {site.url('/rss.xml')}")).startswith("Following feed #1")
    assert (await admin.result(f"/addfeed {site.url('/other.xml')}")).startswith("Following feed #2")
    for feed in await services.store.feeds.all():
        assert (feed.etag, feed.last_modified, feed.failures) == (None, None, 0), feed
    site.items.insert(0, FeedItem("n1", "Airport adds routes", site.url("/routes"), "A new story. " * 60))
    await poll(app)
    assert "If-None-Match" not in site.hits("/rss.xml")[-1]
    assert "If-Modified-Since" not in site.hits("/other.xml")[-1]
    assert [f.failures for f in await services.store.feeds.all()] == [0, 0]
    assert [a.title for a in await services.store.articles.latest(5)] == ["Airport adds routes"]
    assert (await admin.ask("/feeds")).count("\nok") == 2

    site.feed_title = ""  # an untitled feed at a long address is named after its address, clipped
    untitled = site.url("/rss.xml?edition=" + "x" * 400)
    reply = await admin.result(f"/addfeed {untitled}")
    assert reply.startswith("Following feed #3: http://127.0.0.1:"), reply
    (third,) = [f for f in await services.store.feeds.all() if f.id == 3]
    assert third.url == untitled and len(third.title) == 300 and third.title.endswith("…")

    site.etag = '"short"'  # a usable one is remembered again
    site.items.insert(0, FeedItem("n2", "Library hours", site.url("/routes2"), "Another story. " * 60))
    await poll(app)
    feed = await services.store.feeds.get(1)
    assert feed is not None and feed.etag == '"short"'


STORIES = [
    "The council approved the harbour budget on Tuesday after a long debate about the costs.",
    "The ferry operator froze its fares for another year, citing lower fuel prices this winter.",
    "Library opening hours will be extended to eight in the evening from the first of January.",
    "The regional airport will add three new routes next summer, to Lisbon, Krakow and Split.",
]


async def post_id(admin: Chat, title: str, body: str) -> int:
    """Post an article and return the id the bot's reply gives it."""
    reply = await admin.result(f"/post {title}\n{body}")
    assert reply.startswith("Posted as #"), reply
    return int(reply.removeprefix("Posted as #").split(":", 1)[0])


async def test_ids_are_never_reused_after_delete_even_across_a_restart(
    harness: BotHarness, admin: Chat, user: Chat, site: Site, app: Any
) -> None:
    assert [await post_id(admin, f"Story {n}", STORIES[n]) for n in range(2)] == [1, 2]
    assert "Deleted article #2" in await admin.ask("/delete 2")
    assert await post_id(admin, "Story 2", STORIES[2]) == 3  # not 2 again
    assert "There is no article #2" in await user.ask("/summary 2")
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    assert "Stopped following feed #1" in await admin.ask("/removefeed 1")
    assert "Following feed #2" in await admin.result(f"/addfeed {site.url('/atom.xml')}")
    assert "Stopped following feed #2" in await admin.ask("/removefeed 2")

    await app.updater.stop()  # a restart on the same database
    await app.stop()
    async with harness.run(allow_private_urls=True):
        assert "Deleted article #3" in await admin.ask("/delete 3")
        assert await post_id(admin, "Story 3", STORIES[3]) == 4
        assert "There is no article #3" in await user.ask("/summary 3")
        assert "Following feed #3" in await admin.result(f"/addfeed {site.url('/other.xml')}")
