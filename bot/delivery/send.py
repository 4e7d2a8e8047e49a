"""Replies: one HTML text sent as one or more messages, split under Telegram's limit between paragraphs.

Parse mode (HTML) and link previews (off) come from the application's `Defaults` (bot.app).
"""

from __future__ import annotations

from telegram import Bot, InlineKeyboardMarkup, Message

from bot.formatting import MESSAGE_LIMIT, split_message


async def send_html(
    bot: Bot,
    chat_id: int,
    html_text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    limit: int = MESSAGE_LIMIT,
) -> list[Message]:
    """Send `html_text` to `chat_id` as one or more messages; errors (403, 400...) propagate."""
    chunks = split_message(html_text, limit)
    sent: list[Message] = []
    for index, chunk in enumerate(chunks):
        markup = reply_markup if index == len(chunks) - 1 else None
        sent.append(await bot.send_message(chat_id, chunk, reply_markup=markup))
    return sent
