"""Replies: one HTML text sent as one or more messages, split under Telegram's limit between paragraphs.

Parse mode (HTML) and link previews (off) come from the application's `Defaults` (bot.app).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.error import TelegramError

from bot.formatting import MESSAGE_LIMIT, split_message

log = logging.getLogger(__name__)


async def send_html(
    bot: Bot,
    chat_id: int,
    html_text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    link_preview: LinkPreviewOptions | None = None,
    limit: int = MESSAGE_LIMIT,
    thread_id: int | None = None,
) -> list[Message]:
    """Send `html_text` to `chat_id` as one or more messages (a link preview on the first, the keyboard
    on the last; in forum topic `thread_id` if given); errors (403, 400...) propagate."""
    chunks = split_message(html_text, limit)
    sent: list[Message] = []
    for index, chunk in enumerate(chunks):
        markup = reply_markup if index == len(chunks) - 1 else None
        if index == 0 and link_preview is not None:
            sent.append(
                await bot.send_message(
                    chat_id,
                    chunk,
                    reply_markup=markup,
                    link_preview_options=link_preview,
                    message_thread_id=thread_id,
                )
            )
        else:  # the Defaults' link preview options (none)
            sent.append(
                await bot.send_message(chat_id, chunk, reply_markup=markup, message_thread_id=thread_id)
            )
    return sent


async def send_to_each(bot: Bot, chat_ids: Iterable[int], html_text: str) -> int:
    """Send `html_text` to every chat (the editors); one that refuses (an editor who never started the
    bot) is logged and does not stop the others. Return how many got it."""
    delivered = 0
    for chat_id in chat_ids:
        try:
            await send_html(bot, chat_id, html_text)
        except TelegramError as exc:
            log.warning("message for the editors not delivered to chat %s: %s", chat_id, exc)
            continue
        delivered += 1
    return delivered
