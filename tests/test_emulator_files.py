"""The emulator does what Telegram does with link previews, captions, files sent to the bot, forum topics."""

from __future__ import annotations

import pytest
from telegram import Bot, LinkPreviewOptions
from telegram.error import BadRequest

from bot.app import file_url
from bot.emulator import FakeBotAPI


async def test_link_preview_options_are_validated_and_recorded(emulator: FakeBotAPI, bot: Bot) -> None:
    options = LinkPreviewOptions(url="https://example.com/a", prefer_large_media=True)
    await bot.send_message(5, "hello", link_preview_options=options)
    assert emulator.sent(5)[-1].link_preview == {"url": "https://example.com/a", "prefer_large_media": True}
    with pytest.raises(BadRequest, match="link preview options"):
        await bot.send_message(5, "hello", api_kwargs={"link_preview_options": {"url": 5}})
    with pytest.raises(BadRequest, match="link preview options"):
        both = LinkPreviewOptions(prefer_small_media=True, prefer_large_media=True)
        await bot.send_message(5, "hello", link_preview_options=both)


async def test_photo_caption_is_limited_to_1024_after_entities(emulator: FakeBotAPI, bot: Bot) -> None:
    await bot.send_photo(
        5, "https://example.com/p.jpg", caption="<b>" + "x" * 1024 + "</b>", parse_mode="HTML"
    )
    assert emulator.sent(5)[-1].method == "sendPhoto"
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(5, "https://example.com/p.jpg", caption="x" * 1025)


async def test_document_sent_to_the_bot_is_downloaded_with_get_file(emulator: FakeBotAPI) -> None:
    message = emulator.send_document(7, b"<opml/>", "feeds.opml", caption="/importopml")
    document = message["document"]
    assert document["file_size"] == 7 and message["caption"] == "/importopml"
    async with Bot(
        emulator.token, base_url=emulator.base_url, base_file_url=file_url(emulator.base_url)
    ) as bot:
        file = await bot.get_file(document["file_id"])
        assert file.file_size == 7
        assert bytes(await file.download_as_bytearray()) == b"<opml/>"
        with pytest.raises(BadRequest, match="file_id"):
            await bot.get_file("nope")


async def test_forum_topics(emulator: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(ValueError, match="not a forum"):
        emulator.send_message(-1001, "hi", chat_type="supergroup", thread_id=3)
    emulator.make_forum(-1001)
    message = emulator.send_message(-1001, "hi", chat_type="supergroup", thread_id=3)
    assert message["message_thread_id"] == 3 and message["chat"]["is_forum"]
    await bot.send_message(-1001, "in the topic", message_thread_id=3)
    assert emulator.sent(-1001)[-1].thread_id == 3
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(-1002, "no forum", message_thread_id=3)


async def test_forum_topics_are_created_closed_and_deleted_as_in_telegram(
    emulator: FakeBotAPI, bot: Bot
) -> None:
    forum = -1003
    with pytest.raises(ValueError, match="not a forum"):
        emulator.create_topic(forum, "News")
    emulator.make_forum(forum)
    news, chat = emulator.create_topic(forum, "News"), emulator.create_topic(forum, "Chat")
    updates = await bot.get_updates()
    created = [u.message for u in updates if u.message is not None]
    assert [(m.message_thread_id, m.is_topic_message) for m in created] == [(news, True), (chat, True)]
    assert [m.forum_topic_created.name for m in created if m.forum_topic_created] == ["News", "Chat"]
    kept = await bot.send_message(forum, "stays", message_thread_id=chat)
    doomed = await bot.send_message(forum, "goes with its topic", message_thread_id=news)

    emulator.close_topic(forum, news)
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await bot.send_message(forum, "closed", message_thread_id=news)
    emulator.close_topic(forum, news, closed=False)  # reopened
    await bot.send_message(forum, "open again", message_thread_id=news)

    emulator.delete_topic(forum, news)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum, "gone", message_thread_id=news)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("edited", chat_id=forum, message_id=doomed.message_id)
    assert [m.deleted for m in emulator.sent(forum) if m.thread_id == news] == [True, True]
    with pytest.raises(ValueError, match="was deleted"):
        emulator.send_message(forum, "hi", chat_type="supergroup", thread_id=news)
    await bot.edit_message_text("edited", chat_id=forum, message_id=kept.message_id)  # other topics stay
    general = await bot.send_message(forum, "General still works")
    assert general.message_thread_id is None and emulator.sent(forum)[-1].thread_id is None


def test_file_url_follows_the_api_url() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"
