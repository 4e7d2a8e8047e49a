"""A group's digest is shared by its members: only the group's admins (or the outlet's editors) change it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator import FakeBotAPI
from bot.handlers.access import REFUSAL
from bot.services import Services
from tests.conftest import ADMIN_ID, Chat
from tests.digest_helpers import send_digest
from tests.test_e2e_commands import STORY, post

pytestmark = pytest.mark.usefixtures("app")

GROUP = -4001
MEMBER, GROUP_ADMIN, OWNER = 501, 502, 503
ANONYMOUS_ADMIN_BOT = 1087968824  # Telegram's @GroupAnonymousBot, the sender of anonymous admins' messages


@pytest.fixture
def group(emulator: FakeBotAPI) -> FakeBotAPI:
    """The emulator with GROUP's admin and owner set (everyone else is a plain member)."""
    emulator.set_member_status(GROUP, GROUP_ADMIN, "administrator")
    emulator.set_member_status(GROUP, OWNER, "creator")
    return emulator


async def say(emulator: FakeBotAPI, sender: int, text: str) -> str:
    """Send text in GROUP as sender; return the bot's one reply there."""
    emulator.send_message(GROUP, text, user_id=sender, chat_type="group")
    (message,) = await emulator.wait_for(GROUP, 1, timeout=20)
    return message.text


async def test_only_group_admins_and_editors_change_a_groups_digest(
    group: FakeBotAPI, services: Services
) -> None:
    for command in ("/subscribe", "/settime 08:00", "/timezone Europe/Berlin", "/follow EU", "/mute sport"):
        assert await say(group, MEMBER, command) == REFUSAL
    assert await services.store.subscribers.get(GROUP) is None
    assert await services.store.topics.of_chat(GROUP) == []
    assert "Your settings" in await say(group, MEMBER, "/settings")  # reading is open to everyone
    assert "No articles yet" in await say(group, MEMBER, "/latest")
    assert "only the group's admins change them" in await say(group, MEMBER, "/help")

    assert "Subscribed!" in await say(group, GROUP_ADMIN, "/subscribe")
    assert await say(group, MEMBER, "/unsubscribe") == REFUSAL
    assert await say(group, MEMBER, "/settings layout full") == REFUSAL
    assert "08:00" in await say(group, OWNER, "/settime 08:00")
    assert "Europe/Berlin" in await say(group, ADMIN_ID, "/timezone Europe/Berlin")  # an outlet editor
    assert "Following" in await say(group, GROUP_ADMIN, "/follow EU")
    group.fail_next("getChatMember", status=500, description="Internal Server Error")
    assert await say(group, OWNER, "/mute sport") == REFUSAL  # Telegram could not tell: refused
    sub = await services.store.subscribers.get(GROUP)
    assert sub is not None and sub.subscribed and sub.timezone == "Europe/Berlin"
    assert f"{sub.digest_time:%H:%M}" == "08:00"
    assert [t.phrase for t in await services.store.topics.of_chat(GROUP)] == ["EU"]
    # Member status is asked each time: a promoted member may, a demoted admin may not.
    group.set_member_status(GROUP, MEMBER, "administrator")
    group.set_member_status(GROUP, GROUP_ADMIN, "member")
    assert "full" in await say(group, MEMBER, "/settings layout full")
    assert await say(group, GROUP_ADMIN, "/unsubscribe") == REFUSAL


async def test_an_anonymous_group_admin_may_change_the_digest(group: FakeBotAPI, services: Services) -> None:
    chat = {"id": GROUP, "type": "group", "title": "Test group"}
    group.add_update(
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": chat,
                "sender_chat": chat,  # an admin who posts as the group itself
                "from": {"id": ANONYMOUS_ADMIN_BOT, "is_bot": True, "first_name": "Group"},
                "text": "/subscribe",
                "entities": [{"type": "bot_command", "offset": 0, "length": 10}],
            }
        }
    )
    (message,) = await group.wait_for(GROUP, 1, timeout=20)
    assert "Subscribed!" in message.text
    sub = await services.store.subscribers.get(GROUP)
    assert sub is not None and sub.subscribed


async def test_private_chats_are_not_asked_about(emulator: FakeBotAPI) -> None:
    assert "Subscribed!" in await Chat(emulator, MEMBER).ask("/subscribe")
    assert emulator.calls("getChatMember") == []


async def test_group_digest_follow_button_is_for_admins(
    group: FakeBotAPI, admin: Chat, app: Any, services: Services
) -> None:
    await say(group, GROUP_ADMIN, "/subscribe")
    article_id = await post(admin, "Council approves budget", STORY)
    assert await send_digest(services, GROUP) == "sent"
    (sent,) = await group.wait_for(GROUP, 1, timeout=20)
    data = f"f:{article_id}"
    refused = await group.answer_of(group.press(GROUP, sent.message_id, data, user_id=MEMBER))
    assert refused["text"] == REFUSAL and refused["show_alert"] is True
    assert await services.store.topics.of_chat(GROUP) == []
    allowed = await group.answer_of(group.press(GROUP, sent.message_id, data, user_id=GROUP_ADMIN))
    assert "Following" in allowed["text"]
    assert [t.kind for t in await services.store.topics.of_chat(GROUP)] == ["follow"]


async def test_commands_addressed_to_another_bot_are_ignored(group: FakeBotAPI, app: Any) -> None:
    assert app.bot.username == group.bot_username == "newsbot"  # what getMe told the bot
    for text in ["/start@other_bot", "/subscribe@other_bot", "/frobnicate@other_bot now", "/help@Other_Bot"]:
        group.send_message(GROUP, text, user_id=GROUP_ADMIN, chat_type="group")
    assert "/subscribe" in await say(group, MEMBER, "/start@NewsBot")  # ours, in any letter case
    assert len(group.sent(GROUP)) == 1  # nothing at all for the four addressed to another bot
    assert "don't know the command /frobnicate" in await say(group, MEMBER, "/frobnicate@newsbot")
    assert "don't know the command /frobnicate" in await say(group, MEMBER, "/frobnicate")
