"""Replies: one HTML text sent as one or more messages, split under Telegram's limit between paragraphs.

Parse mode (HTML) and link previews (off) come from the application's `Defaults` (bot.app).
"""

from __future__ import annotations

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message

from bot.formatting import MESSAGE_LIMIT, split_message


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
