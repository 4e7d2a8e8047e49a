"""End to end: in a forum supergroup, the bot's replies stay in the topic they were asked in, and the
digest goes to the topic /subscribe was sent in (the chat itself once that topic is deleted)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.emulator import FakeBotAPI, SentMessage
from bot.services import Services
from tests.conftest import ADMIN_ID, Chat
from tests.delivery_helpers import LONG_SUMMARY, seed, settle
from tests.digest_helpers import ledger_entries, send_digest
from tests.test_e2e_commands import STORY, post

pytestmark = pytest.mark.usefixtures("app")
FORUM = -100777


async def test_replies_stay_in_the_topic_they_were_asked_in(
    emulator: FakeBotAPI, admin: Chat, app: Any
) -> None:
    article_id = await post(admin, "Council approves budget", STORY)
    emulator.make_forum(FORUM)
    for thread, text in ((3, "/help"), (5, "/latest"), (3, f"/summary {article_id}")):
        emulator.send_message(FORUM, text, user_id=ADMIN_ID, chat_type="supergroup", thread_id=thread)
        (answer,) = await emulator.wait_for(FORUM, 1, timeout=20)
        assert answer.thread_id == thread, (text, answer)
    emulator.send_message(FORUM, "/help", user_id=ADMIN_ID, chat_type="supergroup")  # the General topic
    (general,) = await emulator.wait_for(FORUM, 1, timeout=20)
    assert general.thread_id is None
    # "Working…" and what it becomes stay in the topic too
    emulator.send_message(FORUM, "/addfeed file:///x", user_id=ADMIN_ID, chat_type="supergroup", thread_id=7)
    working, outcome = await emulator.wait_for(FORUM, 2, timeout=20)
    assert working.thread_id == 7 and outcome.message_id == working.message_id
    assert "Only http:// and https://" in outcome.text


async def say(emulator: FakeBotAPI, text: str, thread: int | None = None) -> SentMessage:
    """An admin writes `text` in FORUM (in topic `thread`, None: General); the bot's one reply, which
    stays where it was asked."""
    emulator.send_message(FORUM, text, user_id=ADMIN_ID, chat_type="supergroup", thread_id=thread)
    (answer,) = await emulator.wait_for(FORUM, 1, timeout=20)
    assert answer.thread_id == thread, (text, answer)
    return answer


async def add_articles(services: Services, count: int, at: datetime, *, long: bool = False) -> None:
    """Store `count` articles stamped `at` (straight into the database: no summarizer needed)."""
    for i in range(count):
        await services.store.articles.add(
            title=f"Harbour story {at:%d%H%M} {i}",
            body=f"Body of harbour story {i} of {at:%d %H:%M}. " * 20,
            summary=(LONG_SUMMARY if long else f"Summary of harbour story {i}.") + f" ({i})",
            summarizer="lead",
            posted_by=ADMIN_ID,
            created_at=at,
        )


async def digest_messages(emulator: FakeBotAPI, services: Services, at: datetime | None = None) -> list[Any]:
    """Fire FORUM's digest (the one due `at`) and return the messages it came as (one per ledger part)."""
    assert await send_digest(services, FORUM, at=at) == "sent"
    delivery = max(e.delivery_id for e in await ledger_entries(services.store, FORUM))
    parts = [e for e in await ledger_entries(services.store, FORUM) if e.delivery_id == delivery]
    received = await emulator.wait_for(FORUM, len(parts), timeout=20)
    assert [m.message_id for m in received] == [p.message_id for p in parts]
    assert received[0].text.startswith("📰")
    return received


async def test_the_digest_goes_to_the_topic_subscribe_was_sent_in_until_that_topic_is_deleted(
    emulator: FakeBotAPI, admin: Chat, services: Services
) -> None:
    article_id = await post(admin, "Council approves budget", STORY)
    emulator.make_forum(FORUM)
    _, news, chat = (emulator.create_topic(FORUM, name) for name in ("Announcements", "News", "Chat"))
    subscribed = await say(emulator, "/subscribe", news)
    assert "Subscribed! Your digest arrives in this topic every day" in subscribed.text
    assert (await services.store.subscribers.get(FORUM)).thread_id == news  # type: ignore[union-attr]
    assert "Topic: the one /subscribe was sent in" in (await say(emulator, "/settings", chat)).text

    (digest,) = await digest_messages(emulator, services)  # compact: one message, with buttons
    assert digest.thread_id == news and "Council approves budget" in digest.text
    expand = next(
        b["callback_data"]
        for row in (digest.reply_markup or {})["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("x:")
    )
    query = emulator.press(FORUM, digest.message_id, expand, user_id=ADMIN_ID)
    (expanded,) = await emulator.wait_for(FORUM, 1, timeout=20)
    await emulator.answer_of(query)
    stored = await services.store.articles.get(article_id)
    assert stored is not None and stored.summary in expanded.text
    assert expanded.edited and expanded.message_id == digest.message_id and expanded.thread_id == news

    # /subscribe in another topic moves the digest there, and says so; and back again
    assert (
        "Your digest moves here: it arrives in this topic" in (await say(emulator, "/subscribe", chat)).text
    )
    assert (await services.store.subscribers.get(FORUM)).thread_id == chat  # type: ignore[union-attr]
    assert "You are already subscribed" in (await say(emulator, "/subscribe", chat)).text
    assert "moves here" in (await say(emulator, "/subscribe", news)).text

    # a long digest (full layout) comes in several messages: every one of them in the topic
    assert "full" in (await say(emulator, "/settings layout full", news)).text
    tomorrow = services.clock() + timedelta(days=1)
    await add_articles(services, 3, tomorrow - timedelta(hours=1), long=True)
    parts = await digest_messages(emulator, services, at=tomorrow)
    assert len(parts) >= 2 and {m.thread_id for m in parts} == {news}

    # the topic is deleted: the next digest goes to the chat itself (General), the subscription stays
    emulator.delete_topic(FORUM, news)
    refused_before = len([c for c in emulator.calls("sendMessage") if c.status == 400])
    later = tomorrow + timedelta(days=1)
    await add_articles(services, 1, later - timedelta(hours=1))
    (fallback,) = await digest_messages(emulator, services, at=later)
    assert fallback.thread_id is None and "Harbour story" in fallback.text
    refused = [c for c in emulator.calls("sendMessage") if c.status == 400][refused_before:]
    assert [c.params.get("message_thread_id") for c in refused] == [news]  # tried once, then General
    sub = await services.store.subscribers.get(FORUM)
    assert sub is not None and sub.subscribed and sub.thread_id is None
    settings = (await say(emulator, "/settings")).text
    assert "Digest: subscribed" in settings and "Topic:" not in settings
    last = later + timedelta(days=1)
    await add_articles(services, 1, last - timedelta(hours=1))
    (general,) = await digest_messages(emulator, services, at=last)
    assert general.thread_id is None  # straight to General now: no more refusals
    assert len([c for c in emulator.calls("sendMessage") if c.status == 400]) == refused_before + 1
    assert "moves here: it arrives in this topic" in (await say(emulator, "/subscribe", chat)).text


async def test_a_closed_topic_gets_that_digest_in_general_and_keeps_the_subscription(
    emulator: FakeBotAPI, services: Services
) -> None:
    emulator.make_forum(FORUM)
    news = emulator.create_topic(FORUM, "News")
    await say(emulator, "/subscribe", news)
    emulator.close_topic(FORUM, news)
    now = services.clock()
    await add_articles(services, 1, now - timedelta(minutes=1))
    (digest,) = await digest_messages(emulator, services)
    assert digest.thread_id is None  # the bot may not write in a closed topic
    assert (await services.store.subscribers.get(FORUM)).thread_id == news  # type: ignore[union-attr]
    emulator.close_topic(FORUM, news, closed=False)  # reopened: the next digest is back in the topic
    tomorrow = now + timedelta(days=1)
    await add_articles(services, 1, tomorrow - timedelta(hours=1))
    (back,) = await digest_messages(emulator, services, at=tomorrow)
    assert back.thread_id == news


async def test_subscribe_in_general_or_in_a_chat_without_topics_stores_no_topic(
    emulator: FakeBotAPI, services: Services
) -> None:
    emulator.make_forum(FORUM)
    assert "Subscribed! Your digest arrives in the General topic" in (await say(emulator, "/subscribe")).text
    assert (await services.store.subscribers.get(FORUM)).thread_id is None  # type: ignore[union-attr]
    news = emulator.create_topic(FORUM, "News")
    assert "moves here: it arrives in this topic" in (await say(emulator, "/subscribe", news)).text
    assert "moves here: it arrives in the General topic" in (await say(emulator, "/subscribe")).text
    assert (await services.store.subscribers.get(FORUM)).thread_id is None  # type: ignore[union-attr]

    group = -100778  # a supergroup without topics: a reply thread there is no topic
    emulator.send_message(group, "/help", user_id=ADMIN_ID, chat_type="supergroup")
    (first,) = await emulator.wait_for(group, 1, timeout=20)
    emulator.send_message(
        group, "/subscribe", user_id=ADMIN_ID, chat_type="supergroup", reply_to_message_id=first.message_id
    )
    (reply,) = await emulator.wait_for(group, 1, timeout=20)
    assert reply.text.startswith("Subscribed! Your digest arrives every day") and reply.thread_id is None
    assert (await services.store.subscribers.get(group)).thread_id is None  # type: ignore[union-attr]


async def test_a_migrated_group_keeps_its_digest_without_the_old_chats_topic(
    emulator: FakeBotAPI, services: Services
) -> None:
    """A group upgraded to a supergroup is a new chat: no topic of the old one exists there."""
    group, supergroup = -4343, -1004343
    await seed(services.store, [group])
    await services.store.subscribers.set_thread(group, 12)  # whatever the old chat had
    emulator.migrate(group, supergroup)
    await services.fanout.planner.plan([group], services.clock())
    services.delivery.kick()
    await settle(services.store, 1)
    (digest,) = emulator.sent(supergroup)
    assert digest.thread_id is None
    to_old, to_new = (
        [c.params for c in emulator.calls("sendMessage") if c.params["chat_id"] == chat]
        for chat in (group, supergroup)
    )
    assert [p.get("message_thread_id") for p in to_old] == [12]  # refused: the group was upgraded
    assert [p.get("message_thread_id") for p in to_new] == [None]  # sent there at once, without it
    moved = await services.store.subscribers.get(supergroup)
    assert moved is not None and moved.subscribed and moved.thread_id is None
