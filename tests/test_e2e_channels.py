"""A channel's digest buttons are pressed by its viewers: none of them may change the channel's topics.

may_change_chat allows private chats, asks Telegram in groups, and refuses every other chat type.
"""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Chat as TelegramChat
from telegram import Update

from bot.emulator import FakeBotAPI
from bot.handlers.access import REFUSAL, may_change_chat
from bot.services import Services
from tests.conftest import ADMIN_ID, USER_ID
from tests.delivery_helpers import seed
from tests.digest_helpers import send_digest

pytestmark = pytest.mark.usefixtures("app")

CHANNEL = -1001555000111


def buttons(message: Any, prefix: str) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if b.get("callback_data", "").startswith(prefix)]


async def test_a_channel_viewers_button_press_changes_nothing(
    emulator: FakeBotAPI, services: Services
) -> None:
    emulator.send_message(CHANNEL, "Morning edition", chat_type="channel")  # a channel the bot posts in
    await seed(services.store, [CHANNEL])
    assert await send_digest(services, CHANNEL) == "sent"
    (digest,) = emulator.sent(CHANNEL)
    follow, mute = buttons(digest, "f:")[0], buttons(digest, "m:")[0]
    for presser, data in [(USER_ID, follow), (USER_ID, mute), (ADMIN_ID, follow)]:  # editors too
        answer = await emulator.answer_of(emulator.press(CHANNEL, digest.message_id, data, user_id=presser))
        assert answer.get("text") == REFUSAL and answer.get("show_alert") is True, answer
    assert await services.store.topics.of_chat(CHANNEL) == []
    assert emulator.calls("getChatMember") == []  # nobody to ask: a channel is refused outright
    # the expand button only edits the message: it stays open to every viewer
    expand = buttons(digest, "x:")[0]
    await emulator.answer_of(emulator.press(CHANNEL, digest.message_id, expand, user_id=USER_ID))
    assert emulator.sent(CHANNEL)[-1].edited


@pytest.mark.parametrize(("kind", "allowed"), [("private", True), ("channel", False), ("forum", False)])
async def test_chat_types_the_bot_does_not_know_are_refused(app: Any, kind: str, allowed: bool) -> None:
    chat_id = USER_ID if kind == "private" else CHANNEL
    update = Update.de_json(
        {
            "update_id": 1,
            "callback_query": {
                "id": "1",
                "from": {"id": USER_ID, "is_bot": False, "first_name": "Test"},
                "chat_instance": "ci",
                "data": "f:1",
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": chat_id, "type": kind, "title": "T", "first_name": "T"},
                },
            },
        },
        app.bot,
    )
    assert update.effective_chat is not None and update.effective_chat.type == kind
    assert kind == TelegramChat.PRIVATE or kind not in (TelegramChat.GROUP, TelegramChat.SUPERGROUP)
    context = app.context_types.context.from_update(update, app)
    assert await may_change_chat(update, context) is allowed
