"""End to end: links, pasted junk, forwards and bad input, through the real Application and web server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.emulator import FakeBotAPI
from bot.services import Services
from tests.conftest import ADMIN_ID, SHARED_DATA, BotHarness, Chat
from tests.site import CP1251_TEXT, Site

pytestmark = pytest.mark.usefixtures("app")

PAGE_STORY = "The harbour bridge reopened to traffic on Thursday morning"
PAGE_JUNK = ["cookies", "ADVERTISEMENT", "Sponsored", "Commenter99", "Tunnel tolls", "Share on", "newsletter"]


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    """The local web server."""
    async with Site() as server:
        yield server


@pytest.fixture
async def app(harness: BotHarness) -> AsyncIterator[Any]:
    """The bot, allowed to fetch from 127.0.0.1 (where the test server is), with a short fetch timeout."""
    async with harness.run(allow_private_urls=True, fetch_timeout_seconds=1.5) as application:
        yield application


async def stored_count(services: Services) -> int:
    return len(await services.store.articles.latest(100))


async def test_post_link_fetches_cleans_summarizes_and_stores(
    admin: Chat, site: Site, services: Services, emulator: FakeBotAPI
) -> None:
    url = site.url("/article.html")
    reply = await admin.result(f"/post {url}")
    assert reply.startswith("Posted as #1: Harbour bridge reopens after two-year repair"), reply
    assert emulator.calls("sendChatAction"), "no typing action was sent"
    article = await services.store.articles.get(1)
    assert article is not None and article.source_url == url
    assert article.body.startswith(PAGE_STORY)
    assert article.body.count("\n\n") == 4  # the five story paragraphs, in order
    assert article.body.index("corrosion") < article.body.index("one hundred and twenty million")
    for junk in [*PAGE_JUNK, "track()", "dataLayer", "font-family"]:
        assert junk not in article.body, junk
    assert article.summary and article.summary in reply

    # the same URL again: refused without fetching again
    fetches = len(site.hits("/article.html"))
    again = await admin.result(f"/post {url}#comments")
    assert again.startswith("Already posted as #1"), again
    assert len(site.hits("/article.html")) == fetches
    # the same story behind another URL (a redirect) is a duplicate by content
    assert (await admin.result(f"/post {site.url('/redirect')}")).startswith("Already posted as #1")
    assert await stored_count(services) == 1


async def test_message_with_only_a_link_is_posted(admin: Chat, site: Site, services: Services) -> None:
    reply = await admin.result(site.url("/plain.txt"))
    assert reply.startswith("Posted as #1: Water rates frozen"), reply
    (article,) = await services.store.articles.latest(5)
    assert article.body.startswith("The water company froze its rates")


async def test_non_utf8_page_is_decoded(admin: Chat, site: Site, services: Services) -> None:
    reply = await admin.result(f"/post {site.url('/cp1251.html')}")
    assert reply.startswith("Posted as #1: Бюджет утвержден"), reply
    (article,) = await services.store.articles.latest(5)
    assert "Городской совет утвердил новый бюджет" in article.body
    assert CP1251_TEXT.split(". ")[-1] in article.body


async def test_scripts_and_styles_are_stripped_never_run(admin: Chat, site: Site, services: Services) -> None:
    reply = await admin.result(f"/post {site.url('/scripted.html')}")
    assert reply.startswith("Posted as #1: Museum opens new wing"), reply
    pasted = await admin.result(
        "/post Pasted page\n<html><head><style>p{color:red}</style><script>alert('PASTED-SCRIPT')</script>"
        "</head><body><p>The ferry timetable changes on Monday, with two extra sailings each evening.</p>"
        "<script>steal()</script><p>Tickets go on sale this week at the harbour office.</p></body></html>"
    )
    assert pasted.startswith("Posted as #2: Pasted page"), pasted
    for article in await services.store.articles.latest(5):
        for marker in ["SCRIPT-TEXT", "STYLE-TEXT", "alert", "evil.example", "color", "steal()", "<p>"]:
            assert marker not in article.body
    assert len(site.hits("/scripted.html")) == 1  # fetched once; nothing the page referenced was fetched
    assert not [path for path, _ in site.requests if "steal" in path]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP 404"),
        ("/slow", "did not answer within 1.5 seconds"),
        ("/binary", "not a readable page"),
        ("/huge", "too large"),
        ("/loop", "Too many redirects"),
    ],
)
async def test_bad_links_get_a_reason_and_store_nothing(
    admin: Chat, site: Site, services: Services, path: str, reason: str
) -> None:
    reply = await admin.result(f"/post {site.url(path)}")
    assert reason in reply, reply
    assert await stored_count(services) == 0
    assert "No articles yet" in await admin.ask("/latest")  # the bot keeps running


async def test_non_http_links_are_refused(admin: Chat, services: Services) -> None:
    for url in ["ftp://example.com/file.txt", "file:///etc/passwd", "gopher://example.com/"]:
        reply = await admin.result(f"/post {url}")
        assert "Only http:// and https://" in reply, reply
    assert await stored_count(services) == 0


async def test_pasted_bad_input_gets_clear_replies(admin: Chat, services: Services) -> None:
    assert "Usage: /post" in await admin.ask("/post Title\n   \n\t  ")
    junk = await admin.ask(
        "/post Only junk\nShare this:\nFollow us on Twitter\nLeave a Comment\nPhoto: AP Photo"
    )
    assert "Nothing is left" in junk
    binary = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 20
    assert "binary data" in await admin.ask(f"/post Binary\n{binary}")
    long_story = "This sentence is filler for a very long article. " * 2100
    assert "too long" in await admin.ask(f"/post Long\nShare this:\n{long_story}")
    assert await stored_count(services) == 0


async def test_pasted_sample_article_is_cleaned_and_deduplicated(admin: Chat, services: Services) -> None:
    path = SHARED_DATA / "sample_article_with_boilerplate.txt"
    if not path.exists():
        pytest.skip(f"{path} not found")
    text = path.read_text()
    reply = await admin.result(f"/post {text}")
    assert reply.startswith("Posted as #1: Will Lukashenko Fulfill Promises He Made To Putin?"), reply
    article = await services.store.articles.get(1)
    assert article is not None
    for junk in ["Follow us", "Image by", "Donate", "Related articles", "Hassan Mahmoudi", "Leave a Comment"]:
        assert junk not in article.body
    assert article.body.startswith("Belarus – Russia’s only ally in Europe")
    # the same story pasted again with different page furniture around it
    story = "\n\n".join(article.body.split("\n\n"))
    again = await admin.ask(
        f"/post Lukashenko and Putin\nShare on Facebook\n{story}\nSign up for our newsletter"
    )
    assert again.startswith("Already posted as #1"), again
    assert await stored_count(services) == 1


async def test_forwarded_post_keeps_text_and_links(
    admin: Chat, emulator: FakeBotAPI, services: Services
) -> None:
    text = (
        "Port strike ends\n"
        "Dock workers returned to work on Friday after a deal on pay was reached overnight. "
        "The union said members would vote on the offer next week. Full story here."
    )
    anchor = text.index("Full story here")
    forwarded = emulator.forward_message(
        ADMIN_ID,
        text,
        channel_title="Port News",
        user_id=ADMIN_ID,
        entities=[
            {"type": "text_link", "offset": anchor, "length": 15, "url": "https://port.example/strike"}
        ],
    )
    await emulator.wait_for(ADMIN_ID, 1)  # the hint to reply /post
    reply = await admin.result("/post", reply_to_message_id=forwarded["message_id"])
    assert reply.startswith("Posted as #1: Port strike ends"), reply
    article = await services.store.articles.get(1)
    assert article is not None
    assert article.body.endswith("Full story here (https://port.example/strike).")
    assert article.source_url == "https://port.example/strike"


async def test_non_admins_cannot_ingest_and_nothing_is_fetched(
    user: Chat, site: Site, services: Services
) -> None:
    url = site.url("/article.html")
    assert "I answer commands" in await user.ask(url)
    assert "only the outlet's editors" in await user.ask(f"/post {url}")
    assert "only the outlet's editors" in await user.ask(f"/addfeed {site.url('/rss.xml')}")
    assert "only the outlet's editors" in await user.ask("/feeds")
    assert "only the outlet's editors" in await user.ask("/removefeed 1")
    assert site.requests == []
    assert await stored_count(services) == 0


async def test_private_addresses_are_refused_without_allow_private_urls(
    harness: BotHarness, admin: Chat, site: Site, app: Any
) -> None:
    await app.updater.stop()  # replace the permissive bot with a default one
    await app.stop()
    async with harness.run(allow_private_urls=False) as strict:
        urls = [
            site.url("/article.html"),
            f"http://localhost:{site.port}/article.html",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/",
            "http://0.0.0.0/",
        ]
        for url in urls:
            reply = await admin.result(f"/post {url}")
            assert "private or local addresses" in reply, (url, reply)
        assert "private or local addresses" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
        assert site.requests == []
        store = strict.bot_data.services.store
        assert await store.articles.latest(5) == [] and await store.feeds.all() == []


async def test_unexpected_failure_replaces_working_and_the_bot_keeps_running(
    admin: Chat, services: Services, emulator: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(text: str) -> str:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(services.worker, "summarize", broken)
    reply = await admin.result(
        "/post Budget\nThe council approved the budget on Tuesday after a long debate."
    )
    assert reply == "Sorry, something went wrong on my side. Please try again."
    assert await stored_count(services) == 0
    monkeypatch.undo()
    assert (await admin.result("/post Budget\nThe council approved the budget on Tuesday.")).startswith(
        "Posted"
    )
    assert len(emulator.sent(ADMIN_ID)) == 4  # no extra apology besides the edited message
