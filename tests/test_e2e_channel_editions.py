"""End to end: the outlet's channels — added by editors only where the bot may post, set up with /channel,
their editions posted (pinned, silent) with deep-link buttons that subscribe readers privately, lost when
the bot is removed (the editors told once), and channel posts never taken for commands."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from typing import Any

from bot.emulator import FakeBotAPI, SentMessage
from bot.handlers.deeplinks import BROKEN, EDITION_GONE, NOT_HERE, STORY_GONE
from bot.semantic.topics import normalize_phrase
from bot.services import Services
from bot.storage import ChannelStatus, TopicKind
from tests.conftest import ADMIN_ID, USER_ID, BotHarness, Chat
from tests.delivery_helpers import seed
from tests.digest_helpers import send_digest, services_of

CHANNEL = -1001555000111
PRIVATE_CHANNEL = -1001555000222
GROUP = -1001555000333
ALERTS = -100900  # the editors' group
READER = 5151
POST_RIGHT = "“Post messages” (can_post_messages)"


def buttons(message: SentMessage) -> list[dict[str, Any]]:
    """Every button of a message's inline keyboard, row after row."""
    return [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]


async def until(predicate: Any, timeout: float = 10.0) -> None:
    """Wait until the async predicate holds."""
    for _ in range(int(timeout / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def add_channel(admin: Chat, chat_id: int = CHANNEL, ref: str = "@outletnews") -> str:
    """/addchannel by an editor; the reply."""
    return await admin.ask(f"/addchannel {ref}")


async def test_a_channel_is_added_only_where_the_bot_may_post(
    app: Any, services: Services, emulator: FakeBotAPI, admin: Chat, user: Chat
) -> None:
    emulator.add_channel(CHANNEL, "Outlet News", username="outletnews", can_post_messages=False)
    refused = await add_channel(admin)
    assert f"I lack the right {POST_RIGHT}" in refused and "Nothing was stored." in refused, refused
    assert await services.store.channels.get(CHANNEL) is None
    assert await services.store.subscribers.get(CHANNEL) is None
    # a private channel the bot is not in: Telegram does not even show it
    emulator.add_channel(PRIVATE_CHANNEL, "Secret", admin=False)
    hidden = await add_channel(admin, PRIVATE_CHANNEL, str(PRIVATE_CHANNEL))
    assert "I can't find the channel" in hidden and "Nothing was stored." in hidden, hidden
    # a public one it is not in: found, but the bot is no member
    emulator.add_channel(-1001555000444, "Public", username="publicnews", admin=False)
    outside = await add_channel(admin, -1001555000444, "@publicnews")
    assert "I am not a member of it" in outside and POST_RIGHT in outside, outside
    # the bot is an admin, but only a member of the right kind of chat would do
    emulator.send_message(GROUP, "hello", chat_type="supergroup", user_id=ADMIN_ID)
    group = await add_channel(admin, GROUP, str(GROUP))
    assert "is a supergroup chat, not a channel" in group, group
    unknown = await add_channel(admin, 0, "@nosuchchannel")
    assert "I can't find the channel @nosuchchannel" in unknown, unknown
    for bad in (
        "/addchannel",
        "/addchannel outletnews",
        "/addchannel @a b",
        "/addchannel 12345",
        "/addchannel @x",
    ):
        assert (await admin.ask(bad)).startswith("Usage: /addchannel @name"), bad
    assert "only the outlet's editors can manage channels" in await user.ask("/addchannel @outletnews")
    # editors manage channels in their private chat only
    emulator.send_message(GROUP, "/addchannel @outletnews", chat_type="supergroup", user_id=ADMIN_ID)
    (elsewhere,) = await emulator.wait_for(GROUP, 1, timeout=20)
    assert "private chat" in elsewhere.text
    assert await services.store.channels.all() == []
    assert emulator.calls("sendMessage") and not emulator.sent(CHANNEL)  # nothing was posted there

    emulator.set_bot_rights(CHANNEL, can_post_messages=True)
    added = await add_channel(admin)
    assert added.startswith(f"Added the channel @outletnews ({CHANNEL}): editions every day at 19:00 (UTC)")
    channel = await services.store.channels.get(CHANNEL)
    assert channel is not None and channel.status == ChannelStatus.ACTIVE and channel.added_by == ADMIN_ID
    assert (channel.title, channel.username, channel.pin, channel.silent) == (
        "Outlet News",
        "outletnews",
        0,
        0,
    )
    sub = await services.store.subscribers.get(CHANNEL)
    assert sub is not None and sub.subscribed and sub.digest_time is None  # the outlet's DIGEST_TIME
    assert services.schedule.next_run(CHANNEL) is not None
    # by id too; adding it again keeps it as it is
    assert (await add_channel(admin, CHANNEL, str(CHANNEL))).startswith("Added the channel @outletnews")
    assert len(await services.store.channels.all()) == 1
    # /help (and the editors' menu) come from the command table
    editors_help = await admin.ask("/help")
    assert "/addchannel @name | -100… — post editions to a channel" in editors_help, editors_help
    assert "/channel <id> time|timezone|layout|pin|silent <value>" in editors_help
    assert "managed in your private chat with me" in editors_help
    assert "/addchannel" not in await user.ask("/help")
    menu = [c["command"] for c in emulator.my_commands({"type": "chat", "chat_id": ADMIN_ID})]
    assert {"addchannel", "channels", "removechannel", "channel"} <= set(menu)
    assert "channel" not in [c["command"] for c in emulator.my_commands()]


async def test_channels_are_listed_and_set_up_with_the_same_checks_as_settime(
    app: Any, services: Services, emulator: FakeBotAPI, admin: Chat, user: Chat
) -> None:
    emulator.add_channel(CHANNEL, "Outlet News", username="outletnews", can_edit_messages=False)
    await add_channel(admin)
    listed = await admin.ask("/channels")
    assert f"{CHANNEL} @outletnews (Outlet News) — active" in listed, listed
    assert "editions every day at 19:00 (UTC), layout compact · pin off · silent off" in listed, listed
    assert "last post: none yet" in listed

    async def ask(setting: str) -> str:
        return await admin.ask(f"/channel {CHANNEL} {setting}")

    assert await ask("time 07:30") == "@outletnews's editions are now at 07:30 (UTC)."
    sub = await services.store.subscribers.get(CHANNEL)
    assert sub is not None and sub.digest_time == time(7, 30)
    next_run = services.schedule.next_run(CHANNEL)
    assert next_run is not None and (next_run.hour, next_run.minute) == (7, 30)
    assert await ask("timezone europe/berlin") == "@outletnews's editions are now at 07:30 (Europe/Berlin)."
    assert await ask("layout FULL") == "@outletnews's editions now have the full layout."
    assert await ask("silent on") == "@outletnews now posts editions without a sound."
    # bad input: a usage line (the very checks of /settime, /timezone, /settings layout), nothing changes
    for bad, expected in [
        ("time 25:00", f"Usage: /channel {CHANNEL} time HH:MM"),
        ("time 07:30,19:00", f"Usage: /channel {CHANNEL} time HH:MM"),  # one edition a day, for now
        ("time", f"Usage: /channel {CHANNEL} time HH:MM"),
        ("timezone Mars/Base", "I don't know the time zone “Mars/Base”. Usage: /channel"),
        ("layout wide", f"Usage: /channel {CHANNEL} layout compact|full"),
        ("silent maybe", f"Usage: /channel {CHANNEL} silent on|off"),
        ("pin", f"Usage: /channel {CHANNEL} pin on|off"),
    ]:
        assert (await ask(bad)).startswith(expected), bad
    # pinning in a channel needs the right to edit others' messages: checked with Telegram first
    refused = await ask("pin on")
    assert "can_edit_messages" in refused and "Pinning stays off." in refused, refused
    assert (await services.store.channels.get(CHANNEL)).pin is False  # type: ignore[union-attr]
    emulator.set_bot_rights(CHANNEL, can_edit_messages=True)
    assert await ask("pin on") == "@outletnews now pins each edition's first message."
    for bad in ("/channel", f"/channel {CHANNEL}", f"/channel {CHANNEL} frobnicate 1"):
        assert (await admin.ask(bad)).startswith("Usage: /channel <id> time HH:MM|default | timezone"), bad
    for bad in (
        "/channel -100999 time 07:30",
        "/channel abc time 07:30",
        "/channel 99999999999999999999 pin on",
    ):
        assert (await admin.ask(bad)).startswith("There is no channel"), bad
    assert "only the outlet's editors" in await user.ask(f"/channel {CHANNEL} time 08:00")
    sub = await services.store.subscribers.get(CHANNEL)
    channel = await services.store.channels.get(CHANNEL)
    assert sub is not None and channel is not None
    assert (sub.digest_time, sub.timezone, sub.digest_layout) == (time(7, 30), "Europe/Berlin", "full")
    assert (channel.pin, channel.silent) == (True, True)
    listed = await admin.ask("/channels")
    assert "editions every day at 07:30 (Europe/Berlin), layout full · pin on · silent on" in listed, listed
    assert (
        await ask("time default")
        == "@outletnews's editions now follow the outlet's default: 19:00 (Europe/Berlin)."
    )

    assert (await admin.ask("/removechannel -100999")).startswith("There is no channel")
    assert (await admin.ask("/removechannel")).startswith("Usage: /removechannel")
    assert (
        await admin.ask(f"/removechannel {CHANNEL}")
        == "Removed the channel @outletnews: no more editions there."
    )
    assert await services.store.channels.get(CHANNEL) is None
    gone = await services.store.subscribers.get(CHANNEL)
    assert gone is not None and not gone.subscribed and services.schedule.next_run(CHANNEL) is None
    assert (await admin.ask("/channels")).startswith("No channels yet.")


async def add_articles(services: Services, count: int, first: int) -> None:
    """Store `count` articles posted just now, numbered from `first`."""
    now = services.clock()
    for i in range(first, first + count):
        await services.store.articles.add(
            title=f"Story {i} <about> budgets",
            body=f"Body of story {i}. " * 20,
            summary=f"Summary of story {i}.",
            summarizer="lead",
            posted_by=ADMIN_ID,
            created_at=now - timedelta(minutes=1),
        )


async def post_edition(
    services: Services, emulator: FakeBotAPI, articles: int = 3, chat_id: int = CHANNEL
) -> list[SentMessage]:
    """Store articles and run the channel's edition now; the messages it posted there (once the engine
    has recorded the post: what follows an edition runs after its delivery is closed)."""
    await add_articles(services, articles, len(await services.store.articles.latest(100)))
    assert await send_digest(services, chat_id) == "sent"

    async def recorded() -> bool:
        channel = await services.store.channels.get(chat_id)
        return channel is not None and channel.last_post_at is not None

    await until(recorded)
    return [m for m in emulator.sent(chat_id) if not m.edited]


async def test_an_edition_is_posted_through_the_ledger_pinned_and_silent_with_links_only(
    app: Any, services: Services, emulator: FakeBotAPI, admin: Chat
) -> None:
    emulator.add_channel(CHANNEL, "Outlet News", username="outletnews")
    await add_channel(admin)
    await admin.ask(f"/channel {CHANNEL} pin on")
    await admin.ask(f"/channel {CHANNEL} silent on")
    posted = await post_edition(services, emulator)
    assert len(posted) == 1 and all(m.disable_notification for m in posted)
    assert emulator.pins(CHANNEL) == [posted[0].message_id]
    (pin,) = emulator.calls("pinChatMessage")
    assert pin.params["disable_notification"] is True and pin.status == 200
    keys = buttons(posted[-1])
    assert keys and all("callback_data" not in b for b in keys)  # nothing a viewer's press could change
    assert keys[0]["text"] == "▾ summaries"
    assert keys[0]["url"].startswith("https://t.me/newsbot?start=e1001555000111_")
    assert [b["text"] for b in keys[1:]] == ["👍 1", "👍 2", "👍 3"]
    assert all(b["url"].startswith("https://t.me/newsbot?start=f") for b in keys[1:])
    assert all(len(b["url"].split("start=")[1]) <= 64 for b in keys)
    channel = await services.store.channels.get(CHANNEL)
    assert channel is not None and channel.last_post_at is not None and channel.last_error is None
    assert "last post: " in (listed := await admin.ask("/channels")) and "none yet" not in listed
    # the channel_post updates of its own posts reached the bot: it answered none of them
    await asyncio.sleep(0.5)
    assert len([m for m in emulator.sent(CHANNEL) if not m.edited]) == len(posted)
    # a private subscriber's digest is not silent, and keeps its in-place buttons
    await seed(services.store, [USER_ID], articles=0)
    assert await send_digest(services, USER_ID) == "sent"
    (digest,) = emulator.sent(USER_ID)
    assert not digest.disable_notification and all("callback_data" in b for b in buttons(digest))
    assert emulator.pins(USER_ID) == []
    # a pin Telegram refuses (the right was taken after pin on) is recorded; the edition is posted
    emulator.add_channel(PRIVATE_CHANNEL, "Second", username="secondnews")
    await add_channel(admin, PRIVATE_CHANNEL, str(PRIVATE_CHANNEL))
    await admin.ask(f"/channel {PRIVATE_CHANNEL} pin on")
    emulator.set_bot_rights(PRIVATE_CHANNEL, can_edit_messages=False)
    second = await post_edition(services, emulator, articles=1, chat_id=PRIVATE_CHANNEL)
    assert len(second) == 1 and not second[0].disable_notification and emulator.pins(PRIVATE_CHANNEL) == []
    assert [c.status for c in emulator.calls("pinChatMessage")] == [200, 400]
    channel = await services.store.channels.get(PRIVATE_CHANNEL)
    assert channel is not None and channel.status == ChannelStatus.ACTIVE and channel.last_post_at
    assert "pinning failed: not enough rights" in (channel.last_error or "").lower()
    assert "last error: pinning failed" in await admin.ask("/channels")


async def test_a_reader_pressing_an_edition_link_subscribes_privately_and_the_channel_is_unchanged(
    app: Any, services: Services, emulator: FakeBotAPI, admin: Chat
) -> None:
    emulator.add_channel(CHANNEL, "Outlet News", username="outletnews")
    await add_channel(admin)
    posted = await post_edition(services, emulator)
    channel_before = await services.store.channels.get(CHANNEL)
    sub_before = await services.store.subscribers.get(CHANNEL)
    calls_before = len(emulator.calls())
    keys = buttons(posted[-1])
    summaries, follow = keys[0]["url"], keys[2]["url"]  # 👍 2
    article_id = int(follow.split("start=f")[1])
    article = await services.store.articles.get(article_id)
    assert article is not None

    emulator.open_link(READER, follow)
    (followed,) = await emulator.wait_for(READER, 1, timeout=20)
    assert followed.text.startswith("Subscribed! Your digest arrives every day at 19:00 (UTC)."), (
        followed.text
    )
    assert f"Following “{normalize_phrase(article.title)}”" in followed.text
    reader = await services.store.subscribers.get(READER)
    assert reader is not None and reader.subscribed and services.schedule.next_run(READER) is not None
    (topic,) = await services.store.topics.of_chat(READER)
    assert topic.kind == TopicKind.FOLLOW and topic.phrase == normalize_phrase(article.title)
    assert topic.vector is not None
    emulator.open_link(READER, follow)  # again: nothing new, and it says so
    (again,) = await emulator.wait_for(READER, 1, timeout=20)
    assert again.text.startswith("You are subscribed: your digest arrives at 19:00 (UTC).")
    assert len(await services.store.topics.of_chat(READER)) == 1

    emulator.open_link(READER, summaries)
    intro, *full, hint = await emulator.wait_for(READER, 3, timeout=20)
    assert intro.text.startswith("The summaries of @outletnews's edition of") and "(3 articles)" in intro.text
    text = "\n".join(m.text for m in full)
    for i in range(3):
        assert f"Summary of story {i}." in text, text
    assert hint.text.startswith("Send /subscribe")

    # the channel: its settings, its post and its topics are as they were; nothing was sent or edited there
    assert await services.store.channels.get(CHANNEL) == channel_before
    assert await services.store.subscribers.get(CHANNEL) == sub_before
    assert await services.store.topics.of_chat(CHANNEL) == []
    assert [m for m in emulator.sent(CHANNEL)] == posted
    sent_since = [c for c in emulator.calls()[calls_before:] if c.params.get("chat_id") == CHANNEL]
    assert sent_since == []


async def test_a_bad_forged_or_expired_link_changes_nothing(
    app: Any, services: Services, emulator: FakeBotAPI, admin: Chat
) -> None:
    emulator.add_channel(CHANNEL, "Outlet News", username="outletnews")
    await add_channel(admin)
    posted = await post_edition(services, emulator, articles=1)
    summaries = buttons(posted[-1])[0]["url"].split("start=")[1]
    newcomer = Chat(emulator, 6262)
    forged_edition = summaries[:-1] + ("1" if summaries[-1] != "1" else "2")  # a cut-off one µs off
    for payload, expected in [
        ("f999999", STORY_GONE),
        ("f99999999999999999", STORY_GONE),
        (forged_edition, EDITION_GONE),
        ("e1001555000999_" + summaries.split("_")[1], EDITION_GONE),  # no such channel
        ("e1_99999999999999999", EDITION_GONE),  # the year 5138: no edition of ours
        ("e1_999999999999999999", BROKEN),  # past year 9999: forged
        ("x123", BROKEN),
        ("f12x", BROKEN),
        ("e12", BROKEN),
    ]:
        assert await newcomer.ask(f"/start {payload}") == expected, payload
    assert await newcomer.ask("/start f1 f2") == BROKEN
    assert await services.store.subscribers.get(6262) is None  # not even a row
    # a deep link sent in a group is not the reader's private chat
    emulator.send_message(GROUP, f"/start {summaries}", chat_type="supergroup", user_id=6262)
    (elsewhere,) = await emulator.wait_for(GROUP, 1, timeout=20)
    assert elsewhere.text == NOT_HERE
    # an edition whose stories were all deleted meanwhile
    for article in await services.store.articles.latest(10):
        await services.store.articles.delete(article.id)
    assert await newcomer.ask(f"/start {summaries}") == EDITION_GONE
    assert await services.store.subscribers.get(6262) is None
    # plain /start still welcomes
    assert "Send /subscribe" in await newcomer.ask("/start")


async def test_a_channel_the_bot_loses_is_marked_and_the_editors_are_told_once(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat
) -> None:
    async with harness.run(alert_chat_id=ALERTS) as app:
        services = services_of(app)
        await emulator.wait_for(ALERTS, 1, timeout=20)  # "started"
        kicked, refused, demoted = CHANNEL, PRIVATE_CHANNEL, -1001555000555
        for index, chat_id in enumerate((kicked, refused, demoted)):
            emulator.add_channel(chat_id, f"Channel {index}", username=f"channel{index}news")
            assert (await add_channel(admin, chat_id, str(chat_id))).startswith("Added the channel")

        async def told(chat_id: int) -> list[str]:
            lost = "I can no longer post in the channel"
            return [m.text for m in emulator.sent(ADMIN_ID) if lost in m.text and str(chat_id) in m.text]

        async def removed(chat_id: int) -> bool:
            channel = await services.store.channels.get(chat_id)
            return channel is not None and channel.status == ChannelStatus.REMOVED

        # kicked: the my_chat_member update
        emulator.remove_bot(kicked)
        await until(lambda: removed(kicked))
        # removed without a word: the next edition's 403
        emulator.remove_bot(refused, notify=False)
        await add_articles(services, 1, 0)
        assert await send_digest(services, refused) == "blocked"
        assert [c.status for c in emulator.calls("sendMessage") if c.params["chat_id"] == refused] == [403]
        await until(lambda: removed(refused))
        # demoted: still an admin, no longer allowed to post
        emulator.set_bot_rights(demoted, can_post_messages=False)
        await until(lambda: removed(demoted))
        # the late my_chat_member of the 403'd channel does not tell anyone again
        emulator.remove_bot(refused, banned=True)
        await asyncio.sleep(0.5)
        for chat_id, why in [
            (kicked, "I was removed from it"),
            (refused, "Telegram refused my post (403"),
            (demoted, f"my right {POST_RIGHT} was taken away"),
        ]:
            (message,) = await told(chat_id)
            assert why in message and f"/addchannel {chat_id}" in message, message
            assert any(why in m.text and str(chat_id) in m.text for m in emulator.sent(ALERTS))
            channel = await services.store.channels.get(chat_id)
            assert channel is not None and why in (channel.last_error or "")
            sub = await services.store.subscribers.get(chat_id)
            assert sub is not None and not sub.subscribed and services.schedule.next_run(chat_id) is None
        notices = await emulator.wait_for(ADMIN_ID, 3)  # the three above, read
        assert all("I can no longer post" in m.text for m in notices)
        listed = await admin.ask("/channels")
        assert listed.count("⚠️ removed") == 3, listed
        # an editor makes it an admin again and adds it back: its editions resume
        emulator.set_bot_rights(demoted, can_post_messages=True)
        assert (await add_channel(admin, demoted, str(demoted))).startswith("Added the channel")
        channel = await services.store.channels.get(demoted)
        assert channel is not None and channel.status == ChannelStatus.ACTIVE and channel.last_error is None
        assert services.schedule.next_run(demoted) is not None


async def test_channel_posts_are_never_commands(
    app: Any, services: Services, emulator: FakeBotAPI, admin: Chat
) -> None:
    emulator.add_channel(CHANNEL, "Outlet News", username="outletnews")
    await add_channel(admin)
    before = await services.store.channels.get(CHANNEL)
    story = "A story posted in the channel. " * 20
    for text in (
        f"/post Breaking news\n{story}",
        "/post https://example.com/story",
        "https://example.com/story",
        f"/removechannel {CHANNEL}",
        f"/channel {CHANNEL} pin on",
        "/unsubscribe",
        "/start f1",
        "/nosuchcommand",
    ):
        emulator.post_in_channel(CHANNEL, text)
    # a channel post that even names an editor as its author (signed posts carry no user, but still)
    emulator.add_update(
        {
            "channel_post": {
                "message_id": 900,
                "date": 0,
                "chat": {"id": CHANNEL, "type": "channel", "title": "Outlet News"},
                "sender_chat": {"id": CHANNEL, "type": "channel", "title": "Outlet News"},
                "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "Editor"},
                "text": f"/post Signed story\n{story}",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            }
        }
    )
    await asyncio.sleep(1.0)
    assert (await admin.ask("/channels")).startswith("📣 Channels")  # the bot is up and has read them all
    assert emulator.sent(CHANNEL) == []
    assert [m.text for m in emulator.sent(ADMIN_ID)][-1].startswith("📣 Channels")
    assert len(emulator.sent(ADMIN_ID)) == 2  # /addchannel's answer and this one
    assert await services.store.articles.latest(5) == []
    assert await services.store.channels.get(CHANNEL) == before
    sub = await services.store.subscribers.get(CHANNEL)
    assert sub is not None and sub.subscribed
