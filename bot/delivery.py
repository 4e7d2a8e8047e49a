"""Every outgoing message goes through here: HTML, split to Telegram's limit, in order."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode

from bot.formatting import MESSAGE_LIMIT, split_message

log = logging.getLogger(__name__)
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


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
        sent.append(
            await bot.send_message(
                chat_id,
                chunk,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
            )
        )
    return sent
