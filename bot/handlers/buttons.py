"""Inline keyboard buttons of the digest: expand an item's summary, follow or mute stories like it."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.digest_layout import EXPAND_PREFIX, FOLLOW_PREFIX, MUTE_PREFIX, summary_line, toggle_item
from bot.formatting import MESSAGE_LIMIT, article_html, visible_len
from bot.handlers.groups import REFUSAL, may_change_chat
from bot.handlers.replies import Context, reply
from bot.handlers.topics import add_topic
from bot.semantic import to_bytes
from bot.services import get_services
from bot.topics import MAX_TOPIC_CHARS, normalize_phrase

log = logging.getLogger(__name__)


def _parse(data: str) -> tuple[str, list[int]] | None:
    """Split "prefix:1:2" callback data into the prefix and its integers; None if malformed."""
    prefix, *rest = data.split(":")
    if not rest or not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in rest):
        return None
    return prefix, [int(part) for part in rest]


def _toggled_keyboard(markup: InlineKeyboardMarkup | None, data: str) -> InlineKeyboardMarkup | None:
    """The same keyboard with the pressed summary button's label flipped (▾ summary ↔ ▴ hide)."""
    if markup is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        buttons = []
        for button in row:
            text = button.text
            if button.callback_data == data:
                number = text.split(" ", 1)[0]
                text = f"{number} ▴ hide" if "▾" in text else f"{number} ▾ summary"
            buttons.append(InlineKeyboardButton(text, callback_data=button.callback_data, url=button.url))
        rows.append(buttons)
    return InlineKeyboardMarkup(rows)


async def on_button(update: Update, context: Context) -> None:
    """Answer a digest button press."""
    query = update.callback_query
    assert query is not None
    parsed = _parse(query.data or "")
    if parsed is None:
        await query.answer("This button is no longer supported.")
        return
    prefix, numbers = parsed
    services = get_services(context)
    article = await services.store.get_article(numbers[-1])
    if article is None:
        await query.answer("That article has been removed.", show_alert=True)
        return
    if prefix in (FOLLOW_PREFIX, MUTE_PREFIX) and len(numbers) == 1:
        if not await may_change_chat(update, context):
            await query.answer(REFUSAL, show_alert=True)
            return
        kind = "follow" if prefix == FOLLOW_PREFIX else "mute"
        vector = (await services.semantic.vectors_of([article.id])).get(article.id)
        chat = query.message.chat.id if query.message else query.from_user.id
        phrase = normalize_phrase(article.title)[:MAX_TOPIC_CHARS]
        text = await add_topic(services, chat, kind, phrase, to_bytes(vector) if vector is not None else None)
        await query.answer(text.replace("“", '"').replace("”", '"')[:200])
        return
    message = query.message
    if prefix != EXPAND_PREFIX or len(numbers) != 2 or not isinstance(message, Message):
        await query.answer("This button is no longer supported.")
        return
    edited = toggle_item(message.text_html, numbers[0], summary_line(article))
    if edited is None or visible_len(edited) > MESSAGE_LIMIT:
        await query.answer()
        await reply(update, context, article_html(article, with_meta=True))  # too long to expand in place
        return
    try:
        await message.edit_text(
            edited,
            parse_mode=ParseMode.HTML,
            reply_markup=_toggled_keyboard(message.reply_markup, query.data or ""),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    except BadRequest as exc:  # e.g. the message is too old to edit, or was deleted
        log.info("could not expand digest item: %s", exc)
        await reply(update, context, article_html(article, with_meta=True))
    await query.answer()
