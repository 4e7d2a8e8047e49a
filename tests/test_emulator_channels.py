"""The fake Bot API's channels, over real HTTP with python-telegram-bot's Bot: getChat, the bot's rights
(getChatMember), who may post or pin, channel_post updates, @usernames and deep links."""

from __future__ import annotations

import pytest
from telegram import Bot, ChatMemberAdministrator, ChatMemberLeft, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from bot.emulator import FakeBotAPI

CHANNEL = -1001777000111


async def updates(bot: Bot) -> list[dict[str, object]]:
    """The pending updates, as dicts."""
    return [u.to_dict() for u in await bot.get_updates(timeout=0)]


async def test_a_channel_the_bot_administers(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.add_channel(CHANNEL, "Outlet News", username="outletnews")
    chat = await bot.get_chat("@OutletNews")  # usernames compare case-insensitively
    assert (chat.id, chat.type, chat.title, chat.username) == (
        CHANNEL,
        "channel",
        "Outlet News",
        "outletnews",
    )
    member = await bot.get_chat_member(CHANNEL, bot.id)
    assert isinstance(member, ChatMemberAdministrator) and member.user.id == bot.id
    assert member.can_post_messages and member.can_edit_messages
    (added,) = await updates(bot)  # the bot was made an administrator: my_chat_member
    change = added["my_chat_member"]
    assert change["old_chat_member"]["status"] == "left"  # type: ignore[index]
    assert change["new_chat_member"]["status"] == "administrator"  # type: ignore[index]
    # its posts: sent by the channel itself, echoed as channel_post updates; silent ones recorded so
    posted = await bot.send_message("@outletnews", "Morning edition", disable_notification=True)
    assert posted.sender_chat is not None and posted.sender_chat.id == CHANNEL and posted.from_user is None
    (sent,) = emulator.sent(CHANNEL)
    assert sent.disable_notification
    assert [u["channel_post"]["text"] for u in await updates(bot) if "channel_post" in u] == [  # type: ignore[index]
        "Morning edition"
    ]
    assert await bot.pin_chat_message(CHANNEL, posted.message_id, disable_notification=True)
    assert emulator.pins(CHANNEL) == [posted.message_id]
    with pytest.raises(BadRequest, match=r"(?i)message to pin not found"):
        await bot.pin_chat_message(CHANNEL, 999)


async def test_rights_taken_and_the_bot_removed(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.add_channel(CHANNEL, "Outlet News", notify=False, can_edit_messages=False)
    posted = await bot.send_message(CHANNEL, "edition")
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to manage pinned messages"):
        await bot.pin_chat_message(CHANNEL, posted.message_id)
    emulator.set_bot_rights(CHANNEL, can_post_messages=False)
    with pytest.raises(BadRequest, match=r"(?i)need administrator rights in the channel chat"):
        await bot.send_message(CHANNEL, "edition")
    member = await bot.get_chat_member(CHANNEL, bot.id)
    assert isinstance(member, ChatMemberAdministrator) and not member.can_post_messages
    emulator.remove_bot(CHANNEL)
    with pytest.raises(Forbidden, match="bot is not a member of the channel chat"):
        await bot.send_message(CHANNEL, "edition")
    assert isinstance(await bot.get_chat_member(CHANNEL, bot.id), ChatMemberLeft)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):  # a private channel it is not in
        await bot.get_chat(CHANNEL)
    changes = [u["my_chat_member"] for u in await updates(bot) if "my_chat_member" in u]
    statuses = [(c["old_chat_member"]["status"], c["new_chat_member"]["status"]) for c in changes]  # type: ignore[index]
    assert statuses == [("administrator", "administrator"), ("administrator", "left")]
    assert changes[0]["new_chat_member"]["can_post_messages"] is False  # type: ignore[index]
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat("@nosuchchannel")


async def test_url_buttons_and_deep_links(emulator: FakeBotAPI, bot: Bot) -> None:
    link = "https://t.me/newsbot?start=f12"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👍 1", url=link)]])
    await bot.send_message(42, "edition", reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
        await bot.send_message(
            42, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", url="t.me/a")]])
        )
    emulator.open_link(4242, link)
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.text == "/start f12"
    assert update.message.chat.type == "private" and update.message.chat.id == 4242
    for bad in (
        "https://t.me/otherbot?start=f12",
        "https://t.me/newsbot?start=" + "a" * 65,
        "https://t.me/newsbot?start=a b",
    ):
        with pytest.raises(ValueError):
            emulator.open_link(4242, bad)


async def test_someone_posting_in_a_channel_is_a_channel_post(emulator: FakeBotAPI, bot: Bot) -> None:
    emulator.add_channel(CHANNEL, "Outlet News", username="outletnews", notify=False)
    emulator.post_in_channel(CHANNEL, "/post Something")
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is None and update.channel_post is not None
    post = update.channel_post
    assert post.text == "/post Something" and post.from_user is None and post.sender_chat is not None
    assert post.chat.username == "outletnews"  # the channel as it was declared
