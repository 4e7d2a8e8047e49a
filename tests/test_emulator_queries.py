"""The fake Bot API's inline queries, callback queries and keyboard validation, driven with PTB's Bot."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.error import BadRequest

from bot.emulator import FakeBotAPI

CHAT = 4242


def result(i: int, text: str = "<b>hi</b>") -> InlineQueryResultArticle:
    """An article result with HTML content."""
    return InlineQueryResultArticle(f"r{i}", f"Title {i}", InputTextMessageContent(text, parse_mode="HTML"))


async def test_inline_query_round_trip(emulator: FakeBotAPI, bot: Bot) -> None:
    assert (await bot.get_me()).supports_inline_queries
    query_id = emulator.inline_query(CHAT, "rail strike", offset="")
    (update,) = await bot.get_updates()
    assert update.inline_query is not None
    assert (update.inline_query.id, update.inline_query.query, update.inline_query.from_user.id) == (
        query_id,
        "rail strike",
        CHAT,
    )
    assert await bot.answer_inline_query(query_id, [result(1), result(2)], next_offset="2")
    answer = await emulator.answer_of(query_id, timeout=1)
    assert [r["id"] for r in answer["results"]] == ["r1", "r2"] and answer["next_offset"] == "2"
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):  # one answer per query
        await bot.answer_inline_query(query_id, [])


@pytest.mark.parametrize(
    ("results", "offset", "error"),
    [
        ([result(i) for i in range(51)], "", "RESULTS_TOO_MUCH"),
        ([result(1), result(1)], "", "RESULT_ID_DUPLICATE"),
        ([result(1)], "x" * 65, "NEXT_OFFSET_INVALID"),
        ([result(1, "<b>unclosed")], "", "can't parse entities"),
        ([result(1, "a" * 4097)], "", "message is too long"),
    ],
)
async def test_answer_inline_query_is_validated(
    emulator: FakeBotAPI, bot: Bot, results: list[InlineQueryResultArticle], offset: str, error: str
) -> None:
    query_id = emulator.inline_query(CHAT, "q")
    with pytest.raises(BadRequest, match=r"(?i)" + error):
        await bot.answer_inline_query(query_id, results, next_offset=offset)
    assert await bot.answer_inline_query(query_id, [result(i) for i in range(50)], next_offset="x" * 64)


async def test_inline_mode_off() -> None:
    async with (
        FakeBotAPI(inline_mode=False) as emulator,
        Bot(emulator.token, base_url=emulator.base_url) as bot,
    ):
        assert not (await bot.get_me()).supports_inline_queries
        with pytest.raises(RuntimeError, match="inline mode"):
            emulator.inline_query(CHAT, "q")


async def test_callback_query_round_trip_and_edit(emulator: FakeBotAPI, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="x:1:42")]])
    sent = await bot.send_message(CHAT, "<b>1.</b> headline", parse_mode="HTML", reply_markup=keyboard)
    with pytest.raises(ValueError, match="no button"):
        emulator.press(CHAT, sent.message_id, "nope")
    query_id = emulator.press(CHAT, sent.message_id, "x:1:42")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "x:1:42" and query.message is not None
    assert query.message.message_id == sent.message_id and query.message.text_html == "<b>1.</b> headline"
    edited = await bot.edit_message_text(
        "<b>1.</b> headline\n<i>summary</i>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=keyboard
    )
    assert not isinstance(edited, bool) and edited.text == "1. headline\nsummary"
    assert await bot.answer_callback_query(query_id, text="ok")
    assert (await emulator.answer_of(query_id))["text"] == "ok"
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(emulator.press(CHAT, sent.message_id, "x:1:42"), text="x" * 201)


async def test_callback_data_over_64_bytes_is_rejected(emulator: FakeBotAPI, bot: Bot) -> None:
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="é" * 32)]])  # 64 bytes
    assert await bot.send_message(CHAT, "fits", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "too long", reply_markup=too_long)
    assert [m.text for m in emulator.sent(CHAT)] == ["fits"]
