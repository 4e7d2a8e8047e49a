"""Inline keyboard buttons of the digest: expand an item's summary, follow or mute stories like it."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot.context import Context
from bot.digest.layout import summary_line, toggle_item
from bot.digest.render import Action, Press, decode, toggled_keyboard
from bot.formatting import MESSAGE_LIMIT, Reader, article_html, visible_len
from bot.handlers.access import REFUSAL, may_change_chat
from bot.handlers.reading import reader_of
from bot.handlers.replies import reply
from bot.handlers.reports import file_report
from bot.handlers.topics import add_topic, story_topic
from bot.i18n.translator import N_, Translator
from bot.storage import Article, TopicKind

log = logging.getLogger(__name__)
UNSUPPORTED = N_("This button is no longer supported.")


async def on_button(update: Update, context: Context) -> None:
    """Answer a digest button press."""
    query = update.callback_query
    if query is None:
        return
    reader = await reader_of(update, context)
    t = reader.t
    press = decode(query.data or "")
    if press is None:
        await query.answer(t(UNSUPPORTED))
        return
    article = await context.services.store.articles.get(press.numbers[-1])
    if article is None:
        await query.answer(t("That article has been removed."), show_alert=True)
        return
    if press.action == Action.EXPAND:
        await _expand(update, context, query, press, article, reader)
    elif press.action == Action.REPORT:
        answer = await file_report(context, article, query.from_user, "", t)
        await query.answer(answer[:200], show_alert=True)
    else:
        await _topic(update, context, query, press, article, t)


async def _topic(
    update: Update, context: Context, query: CallbackQuery, press: Press, article: Article, t: Translator
) -> None:
    """👍 follows stories like this article (its title and meaning); 🔇 mutes this story (and other
    reports of the same event)."""
    if not await may_change_chat(update, context):
        await query.answer(t(REFUSAL), show_alert=True)
        return
    services = context.services
    kind = TopicKind.FOLLOW if press.action == Action.FOLLOW else TopicKind.MUTE
    chat = query.message.chat.id if query.message else query.from_user.id
    phrase, encoded = await story_topic(services, article)
    story = article.id if kind == TopicKind.MUTE else None  # 🔇 mutes this story, not its subject
    async with services.chat_locks.hold(chat):  # as every change of the chat's topics
        text = await add_topic(services, chat, kind, phrase, encoded, t, story=story)
    await query.answer(text.replace("“", '"').replace("”", '"')[:200])


async def _expand(
    update: Update, context: Context, query: CallbackQuery, press: Press, article: Article, reader: Reader
) -> None:
    """▾ summary: expand (or collapse) the item in place; too long or too old to edit → a new message."""
    message, t = query.message, reader.t
    if not isinstance(message, Message) or message.text is None:
        await query.answer(t(UNSUPPORTED))
        return
    edited = toggle_item(message.text_html, press.numbers[0], summary_line(article, t))
    whole = article_html(article, with_meta=True, reader=reader)
    if edited is None or visible_len(edited) > MESSAGE_LIMIT:
        await query.answer()
        await reply(update, context, whole)  # too long to expand in place
        return
    keyboard = toggled_keyboard(message.reply_markup, query.data or "", t)
    try:
        await message.edit_text(edited, reply_markup=keyboard)
    except BadRequest as exc:  # e.g. the message is too old to edit, or was deleted
        log.info("could not expand digest item: %s", exc)
        await reply(update, context, whole)
    await query.answer()
