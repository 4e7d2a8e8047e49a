"""End to end: in a forum supergroup, the bot's replies stay in the topic they were asked in."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator import FakeBotAPI
from tests.conftest import ADMIN_ID, Chat
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
