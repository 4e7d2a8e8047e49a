"""End to end: what each article carries (source, published time, picture, language) and how readers
see it: "Source · 3 h ago" in /latest and the digest, /summary as a photo, the digest's top-story preview."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.emulator import FakeBotAPI
from bot.services import Services
from tests.conftest import USER_ID, BotHarness, Chat
from tests.digest_helpers import send_digest
from tests.site import FeedItem, Site
from tests.test_e2e_feeds import poll

pytestmark = pytest.mark.usefixtures("app")

STORY = (
    "The regional airport will add three new routes next summer, to Lisbon, Krakow and Split, the operator "
    "said on Tuesday. The routes will run twice a week from May to September and are expected to carry "
    "forty thousand passengers in their first season. The operator said demand from local travellers had "
    "grown strongly since the terminal was refurbished, and that further routes could follow if the first "
    "season goes well. Tickets go on sale next month through the airline partners and the airport website."
)
PASTED = (
    "The town council voted on Monday to keep the old market hall open for another ten years. "
    "Traders had campaigned for months against plans to sell the building to a developer. "
    "The council said repairs to the roof would start in the spring and cost about two million pounds. "
    "Market traders welcomed the decision and said footfall had grown since the hall reopened."
)
IMAGE = "https://images.example.com/airport.jpg"


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    """The local web server (its feed starts empty)."""
    async with Site() as server:
        yield server


@pytest.fixture
async def app(harness: BotHarness) -> AsyncIterator[Any]:
    """The bot, allowed to fetch from 127.0.0.1, with its own outlet name."""
    async with harness.run(allow_private_urls=True, outlet_name="Harbour Gazette") as application:
        yield application


async def test_feed_entry_with_image_and_date_shows_both(
    admin: Chat, user: Chat, site: Site, services: Services, app: Any, emulator: FakeBotAPI
) -> None:
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    published = (services.clock() - timedelta(hours=3, minutes=5)).astimezone(UTC)
    rfc822 = published.strftime("%a, %d %b %Y %H:%M:%S GMT")
    site.items.insert(0, FeedItem("n1", "Airport adds routes", site.url("/routes"), STORY, rfc822, IMAGE))
    await poll(app)
    (article,) = await services.store.articles.latest(5)
    assert article.source_name == "Coastal Times"  # the feed's title
    assert article.published_at == published.replace(microsecond=0)
    assert article.image_url == IMAGE and article.language == "en"

    latest = await user.send("/latest")
    assert "Coastal Times · 3 hr ago" in latest[0].text, latest[0].text
    link = next(e for e in latest[0].entities if e.get("type") == "text_link")
    assert link["url"] == site.url("/routes")  # the source name is the link

    (photo,) = await user.send("/summary 1")
    assert photo.method == "sendPhoto" and photo.raw_text, photo
    sent = emulator.calls("sendPhoto")[-1].params
    assert sent["photo"] == IMAGE  # a URL Telegram fetches; the bot never downloads it
    assert article.summary in photo.text and "Coastal Times" in photo.text
    assert f"Published {published:%-d %B %Y, %H:%M} UTC" in photo.text, photo.text

    # the compact digest: the source and age on the line, a large preview of the top story only
    assert "Subscribed" in await user.ask("/subscribe")
    assert await send_digest(services, USER_ID) == "sent"
    digest = [m for m in emulator.sent(USER_ID) if m.text.startswith("📰")][-1]
    assert "Airport adds routes · Coastal Times · 3 hr ago" in digest.text, digest.text
    assert digest.link_preview == {
        "is_disabled": False,
        "url": site.url("/routes"),
        "prefer_large_media": True,
    }


async def test_pasted_article_falls_back_to_outlet_name_and_post_time(
    admin: Chat, user: Chat, services: Services, emulator: FakeBotAPI
) -> None:
    reply = await admin.result(f"/post Market hall saved\n{PASTED}")
    assert reply.startswith("Posted as #1"), reply
    article = await services.store.articles.get(1)
    assert article is not None and article.source_name == "Harbour Gazette"
    assert article.published_at == article.created_at and article.image_url is None
    assert "Harbour Gazette · just now" in await user.ask("/latest")
    (text,) = await user.send("/summary 1")
    assert text.method == "sendMessage" and "Harbour Gazette" in text.text
    assert text.link_preview == {"is_disabled": True}  # no page and no picture: the Defaults, no preview
    assert "Harbour Gazette · just now" in (await user.send("/digest"))[0].text


async def test_summary_too_long_for_a_caption_is_text_with_a_large_preview(
    admin: Chat, user: Chat, site: Site, services: Services, app: Any, emulator: FakeBotAPI
) -> None:
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    long_story = " ".join(  # sentences without a shared trigram, each about 400 characters
        f"Harbour report {i} says " + " ".join(f"item{i}x{j}" for j in range(45)) + "." for i in range(8)
    )
    site.items.insert(0, FeedItem("n1", "Port story", site.url("/port"), long_story, None, IMAGE))
    await poll(app)
    (article,) = await services.store.articles.latest(5)
    assert len(article.summary) > 1024
    (text,) = await user.send("/summary 1")
    assert text.method == "sendMessage"
    assert text.link_preview == {"is_disabled": False, "url": site.url("/port"), "prefer_large_media": True}


def test_ago_counts_in_the_readers_zone() -> None:
    from bot.formatting import Reader

    now = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    reader = Reader(now, "Asia/Tokyo")  # already 21 November there
    assert reader.ago(now - timedelta(seconds=20)) == "just now"
    assert reader.ago(now - timedelta(minutes=12)) == "12 min ago"
    assert reader.ago(now - timedelta(hours=3, minutes=59)) == "3 hr ago"
    assert reader.ago(datetime(2026, 11, 19, 16, 0, tzinfo=UTC)) == "20 Nov"  # 01:00 on the 20th in Tokyo
    assert reader.ago(datetime(2025, 3, 1, tzinfo=UTC)) == "1 Mar 2025"
