"""End to end: readers report an article (/report, 🚩 on an expanded summary); the editors hear of it."""

from __future__ import annotations

from typing import Any

from bot.emulator import FakeBotAPI
from tests.conftest import ADMIN_ID, USER_ID, BotHarness, Chat
from tests.test_e2e_commands import STORY, post

ALERTS = -100900  # the editors' group


async def test_report_reaches_the_editors_once_per_reader(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat, user: Chat
) -> None:
    async with harness.run(alert_chat_id=ALERTS):
        await emulator.wait_for(ALERTS, 1, timeout=20)  # "started"
        article_id = await post(admin, "Council approves budget", STORY)
        thanks = await user.ask(f"/report {article_id} the <headline> is wrong")
        assert thanks == f"Thank you: article #{article_id} was reported to the editors.", thanks
        for chat in (ADMIN_ID, ALERTS):
            message = emulator.sent(chat)[-1]
            assert message.text.startswith(f"🚩 Report on article #{article_id} Council approves budget")
            assert f"id {USER_ID}: the <headline> is wrong" in message.text, message.text
        before = len(emulator.sent(ALERTS))
        again = await user.ask(f"/report {article_id} still wrong")
        assert again.startswith(f"You have already reported article #{article_id}"), again
        assert len(emulator.sent(ALERTS)) == before  # at most one per reader per article

        # the 🚩 button appears on an expanded summary of the digest, and goes through the same check
        await user.ask("/subscribe")
        (digest,) = await user.send("/digest")
        expand = next(
            b["callback_data"]
            for row in (digest.reply_markup or {})["inline_keyboard"]
            for b in row
            if "summary" in b["text"]
        )
        await emulator.answer_of(emulator.press(USER_ID, digest.message_id, expand))
        flag = f"r:{article_id}"
        answer = await emulator.answer_of(emulator.press(USER_ID, digest.message_id, flag))
        assert "already reported" in answer["text"], answer
        other = 5151  # another reader, pressing 🚩 on their own expanded digest
        emulator.send_message(other, "/subscribe", user_id=other)
        await emulator.wait_for(other, 1)
        emulator.send_message(other, "/digest", user_id=other)
        (theirs,) = await emulator.wait_for(other, 1)
        await emulator.answer_of(emulator.press(other, theirs.message_id, expand, user_id=other))
        pressed = await emulator.answer_of(emulator.press(other, theirs.message_id, flag, user_id=other))
        assert "was reported to the editors" in pressed["text"], pressed
        assert emulator.sent(ALERTS)[-1].text.startswith(f"🚩 Report on article #{article_id}")
        assert "no reason given" in emulator.sent(ALERTS)[-1].text
        # collapsing the summary takes the 🚩 away again
        await emulator.answer_of(emulator.press(other, theirs.message_id, expand, user_id=other))
        collapsed = emulator.sent(other)[-1].reply_markup or {}
        assert flag not in [b["callback_data"] for row in collapsed["inline_keyboard"] for b in row]


async def test_report_bad_input(user: Chat, app: Any) -> None:
    assert (await user.ask("/report")).startswith("Usage: /report <id> [why]")
    assert (await user.ask("/report x")).startswith("Usage: /report")
    assert "There is no article #99" in await user.ask("/report 99 wrong")
