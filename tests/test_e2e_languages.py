"""End to end: articles in Russian and German are summarized without English features, found by their
words, followed by their words, and shown in their own language in digests and inline results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.emulator import FakeBotAPI
from bot.services import Services
from summarizer.position import PositionSummarizer
from tests.conftest import USER_ID, BotHarness, Chat
from tests.language_fixtures import GERMAN_CLIMATE, RUSSIAN_FOOTBALL, RUSSIAN_TALKS
from tests.news_fixtures import DIFFERENT_EVENTS
from tests.site import FeedItem, Site
from tests.test_e2e_commands import post
from tests.test_e2e_feeds import poll

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    """The local web server: a Russian page in cp1251, and a feed."""
    async with Site() as server:
        yield server


@pytest.fixture
async def app(harness: BotHarness) -> AsyncIterator[Any]:
    """The bot, allowed to fetch from 127.0.0.1."""
    async with harness.run(allow_private_urls=True, fetch_timeout_seconds=2) as application:
        yield application


def digest_items(text: str) -> list[str]:
    """The numbered headlines of a compact digest."""
    return [line for line in text.splitlines() if line[:1].isdigit()]


async def test_each_language_gets_its_method_recorded(admin: Chat, services: Services) -> None:
    talks = await post(admin, *RUSSIAN_TALKS)
    climate = await post(admin, *GERMAN_CLIMATE)
    english = await post(admin, *DIFFERENT_EVENTS[5])
    stored = {i: await services.store.articles.get(i) for i in (talks, climate, english)}
    russian, german, plain = stored[talks], stored[climate], stored[english]
    assert russian is not None and german is not None and plain is not None
    assert (russian.language, russian.summarizer) == ("ru", "extractive-position")
    assert (german.language, german.summarizer) == ("de", "extractive-position")
    assert (plain.language, plain.summarizer) == ("en", "extractive")
    assert russian.summary == PositionSummarizer().summarize_in(russian.body, "ru")
    assert russian.summary.startswith("Президент Беларуси А. Г. Лукашенко провёл в Минске переговоры")
    assert german.summary == PositionSummarizer().summarize_in(german.body, "de")
    # MiniLM is an English model: only the English article has an embedding.
    assert set(await services.semantic.vectors_of([talks, climate, english])) == {english}
    again = await admin.ask(f"/resummarize {talks}")
    assert "summarized again" in again and russian.summary in again
    resummarized = await services.store.articles.get(talks)
    assert resummarized is not None and resummarized.summarizer == "extractive-position"


async def test_search_in_russian_finds_russian_articles_by_their_words(admin: Chat, user: Chat) -> None:
    talks = await post(admin, *RUSSIAN_TALKS)
    football = await post(admin, *RUSSIAN_FOOTBALL)
    await post(admin, *DIFFERENT_EVENTS[5])  # English: council budget
    await post(admin, *GERMAN_CLIMATE)
    found = await user.ask("/search Минск газ")
    assert f"#{talks}" in found and RUSSIAN_TALKS[0] in found
    assert f"#{football}" not in found and "budget" not in found and "Klimapaket" not in found
    derby = await user.ask("/search СПАРТАК")
    assert f"#{football}" in derby and f"#{talks}" not in derby
    assert "Nothing found" in await user.ask("/search снегопад")
    assert "Klimapaket" in await user.ask("/search Wärmepumpen")


async def test_russian_topics_and_digest_show_each_article_in_its_language(
    admin: Chat, user: Chat, emulator: FakeBotAPI
) -> None:
    await post(admin, *RUSSIAN_FOOTBALL)
    await post(admin, *DIFFERENT_EVENTS[5])
    talks = await post(admin, *RUSSIAN_TALKS)
    assert "Following “Минске”" in await user.ask("/follow Минске")
    (digest,) = await user.send("/digest")
    items = digest_items(digest.text)
    # The followed Russian story first; the two Russian stories are not "the same event" (English
    # embeddings of Cyrillic text made them look alike).
    assert len(items) == 3 and items[0].startswith(f"1. ⭐ {RUSSIAN_TALKS[0]}")
    assert "⭐" not in items[1] + items[2] and "also: " not in digest.text
    assert "Muted “Спартак”" in await user.ask("/mute Спартак")
    assert await user.ask("/settings layout full") == "Your digest layout is now full."
    (full,) = await user.send("/digest")
    assert RUSSIAN_FOOTBALL[0] not in full.text
    assert "Президент Беларуси А. Г. Лукашенко провёл в Минске переговоры" in full.text  # its own summary
    assert "spending on public transport" in full.text  # and the English one's
    inline = await emulator.answer_of(emulator.inline_query(USER_ID, "Лукашенко"))
    (result,) = inline["results"]
    assert result["id"] == f"a{talks}"
    assert result["title"] == RUSSIAN_TALKS[0]
    assert "Президент Беларуси" in result["input_message_content"]["message_text"]


async def test_linked_and_feed_articles_get_their_language_before_summarizing(
    admin: Chat, site: Site, services: Services, app: Any
) -> None:
    linked = await admin.result(f"/post {site.url('/cp1251.html')}")
    assert linked.startswith("Posted as #1: Бюджет утвержден"), linked
    assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
    site.items.insert(0, FeedItem("ru-1", RUSSIAN_FOOTBALL[0], site.url("/spartak"), RUSSIAN_FOOTBALL[1]))
    await poll(app)
    page, entry = sorted(await services.store.articles.latest(5), key=lambda a: a.id)
    assert (page.language, page.summarizer) == ("ru", "extractive-position")
    assert page.summary == PositionSummarizer().summarize_in(page.body, "ru")
    assert entry.title == RUSSIAN_FOOTBALL[0]
    assert (entry.language, entry.summarizer) == ("ru", "extractive-position")
    assert entry.summary.startswith("Футбольный клуб «Спартак» обыграл ЦСКА со счётом 2:1")
