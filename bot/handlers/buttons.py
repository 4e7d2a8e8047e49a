"""Inline keyboard buttons of the digest: expand an item's summary, follow or mute stories like it."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot.context import Context
from bot.digest.layout import summary_line, toggle_item
from bot.digest.render import Action, Press, decode, toggled_keyboard
from bot.formatting import MESSAGE_LIMIT, article_html, visible_len
from bot.handlers.access import REFUSAL, may_change_chat
from bot.handlers.replies import reply
from bot.handlers.reports import file_report
from bot.handlers.topics import add_topic, story_topic
from bot.storage import Article, TopicKind

log = logging.getLogger(__name__)
UNSUPPORTED = "This button is no longer supported."


async def on_button(update: Update, context: Context) -> None:
    """Answer a digest button press."""
    query = update.callback_query
    if query is None:
        return
    press = decode(query.data or "")
    if press is None:
        await query.answer(UNSUPPORTED)
        return
    article = await context.services.store.articles.get(press.numbers[-1])
    if article is None:
        await query.answer("That article has been removed.", show_alert=True)
        return
    if press.action == Action.EXPAND:
        await _expand(update, context, query, press, article)
    elif press.action == Action.REPORT:
        await query.answer((await file_report(context, article, query.from_user, ""))[:200], show_alert=True)
    else:
        await _topic(update, context, query, press, article)


async def _topic(
    update: Update, context: Context, query: CallbackQuery, press: Press, article: Article
) -> None:
    """👍 follows stories like this article (its title and meaning); 🔇 mutes this story (and other
    reports of the same event)."""
    if not await may_change_chat(update, context):
        await query.answer(REFUSAL, show_alert=True)
        return
    services = context.services
    kind = TopicKind.FOLLOW if press.action == Action.FOLLOW else TopicKind.MUTE
    chat = query.message.chat.id if query.message else query.from_user.id
    phrase, encoded = await story_topic(services, article)
    story = article.id if kind == TopicKind.MUTE else None  # 🔇 mutes this story, not its subject
    async with services.chat_locks.hold(chat):  # as every change of the chat's topics
        text = await add_topic(services, chat, kind, phrase, encoded, story=story)
    await query.answer(text.replace("“", '"').replace("”", '"')[:200])


async def _expand(
    update: Update, context: Context, query: CallbackQuery, press: Press, article: Article
) -> None:
    """▾ summary: expand (or collapse) the item in place; too long or too old to edit → a new message."""
    message = query.message
    if not isinstance(message, Message) or message.text is None:
        await query.answer(UNSUPPORTED)
        return
    edited = toggle_item(message.text_html, press.numbers[0], summary_line(article))
    if edited is None or visible_len(edited) > MESSAGE_LIMIT:
        await query.answer()
        await reply(update, context, article_html(article, with_meta=True))  # too long to expand in place
        return
    try:
        await message.edit_text(edited, reply_markup=toggled_keyboard(message.reply_markup, query.data or ""))
    except BadRequest as exc:  # e.g. the message is too old to edit, or was deleted
        log.info("could not expand digest item: %s", exc)
        await reply(update, context, article_html(article, with_meta=True))
    await query.answer()
