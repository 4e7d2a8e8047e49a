"""my_chat_member: a chat that blocks the bot, or a group that removes it, stops getting digests at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.emulator import FakeBotAPI
from bot.services import Services
from bot.storage import Subscriber
from tests.conftest import USER_ID, Chat
from tests.digest_helpers import services_of

pytestmark = pytest.mark.usefixtures("app")

GROUP, GROUP_ADMIN = -4002, 602


async def blocked_subscriber(services: Services, chat_id: int, timeout: float = 10.0) -> Subscriber:
    """Wait until the chat is stored as blocked; return it."""
    for _ in range(int(timeout / 0.05)):
        sub = await services.store.subscribers.get(chat_id)
        if sub is not None and sub.blocked:
            return sub
        await asyncio.sleep(0.05)
    raise AssertionError(f"chat {chat_id} was not marked blocked within {timeout}s")


async def test_a_user_who_blocks_the_bot_is_unsubscribed_at_once(
    app: Any, services: Services, user: Chat, emulator: FakeBotAPI
) -> None:
    await user.ask("/subscribe")
    assert services_of(app).schedule.next_run(USER_ID) is not None
    emulator.block(USER_ID, notify=True)
    sub = await blocked_subscriber(services, USER_ID)
    assert not sub.subscribed and services_of(app).schedule.next_run(USER_ID) is None
    assert len(emulator.sent(USER_ID)) == 1  # only /subscribe's reply: nothing is sent to a blocked chat
    emulator.unblock(USER_ID, notify=True)  # coming back does not subscribe by itself...
    await asyncio.sleep(0.3)
    back = await services.store.subscribers.get(USER_ID)
    assert back is not None and not back.subscribed and services_of(app).schedule.next_run(USER_ID) is None
    assert len(emulator.sent(USER_ID)) == 1  # and says nothing: the user's client sends /start
    assert "Subscribed!" in await user.ask("/subscribe")  # ...the user does
    again = await services.store.subscribers.get(USER_ID)
    assert again is not None and again.subscribed and not again.blocked
    assert services_of(app).schedule.next_run(USER_ID) is not None


async def test_a_group_that_adds_the_bot_is_greeted_and_one_that_removes_it_is_unsubscribed(
    app: Any, services: Services, emulator: FakeBotAPI
) -> None:
    emulator.unblock(GROUP, notify=True)  # the bot is added to the group (left -> member)
    (welcome,) = await emulator.wait_for(GROUP, 1, timeout=20)
    assert "A group admin can send /subscribe" in welcome.text
    emulator.set_member_status(GROUP, GROUP_ADMIN, "administrator")
    emulator.send_message(GROUP, "/subscribe", user_id=GROUP_ADMIN, chat_type="group")
    (reply,) = await emulator.wait_for(GROUP, 1, timeout=20)
    assert "Subscribed!" in reply.text
    emulator.block(GROUP, notify=True)
    sub = await blocked_subscriber(services, GROUP)
    assert not sub.subscribed and services_of(app).schedule.next_run(GROUP) is None
