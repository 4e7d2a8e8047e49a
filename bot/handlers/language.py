"""/language: the language the bot writes in here. `/language de` chooses one of the shipped languages,
`/language auto` goes back to choosing it automatically (a private chat: the user's Telegram language;
a group or channel: BOT_LANGUAGE), `/language` alone lists the choices as buttons."""

from __future__ import annotations

import logging
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import Context
from bot.handlers.access import REFUSAL, may_change_chat
from bot.handlers.replies import chat_id, is_private, reply, sender_language, tr
from bot.i18n.languages import LANGUAGE_NAMES, SHIPPED
from bot.i18n.translator import N_, Translator

log = logging.getLogger(__name__)

AUTO: Final = "auto"  # `/language auto` and the button of the same meaning: no choice of the chat's own
PREFIX: Final = "lang:"  # callback data of the buttons: lang:<code> or lang:auto
BUTTONS: Final = rf"^{PREFIX}"  # the CallbackQueryHandler's pattern (bot.app)
PER_ROW: Final = 3
UNKNOWN: Final = N_("This button is no longer supported.")


def choice_of(word: str) -> str | None:
    """The shipped language (or AUTO) a word names: a code ("de", "DE", "de-AT") or a name ("Deutsch")."""
    word = word.strip().casefold().replace("_", "-")
    if word in (AUTO, "default"):
        return AUTO
    names = {name.casefold(): code for code, name in LANGUAGE_NAMES.items()}
    base = word.split("-", 1)[0]
    return word if word in SHIPPED else base if base in SHIPPED else names.get(word)


def keyboard(t: Translator, chosen: str | None) -> InlineKeyboardMarkup:
    """A button per shipped language (in its own name; the chat's choice ticked) and one for automatic."""
    buttons = [
        InlineKeyboardButton(("✓ " if code == chosen else "") + name, callback_data=f"{PREFIX}{code}")
        for code, name in LANGUAGE_NAMES.items()
    ]
    rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
    auto = ("✓ " if chosen is None else "") + t("🌐 Automatic")
    rows.append([InlineKeyboardButton(auto, callback_data=f"{PREFIX}{AUTO}")])
    return InlineKeyboardMarkup(rows)


async def _chosen(update: Update, context: Context) -> str | None:
    """The chat's own choice, if it made one."""
    sub = await context.services.store.subscribers.get(chat_id(update))
    return sub.language if sub is not None else None


async def _apply(update: Update, context: Context, choice: str) -> str:
    """Store the chat's choice (AUTO: none) and say so in the language it now gets."""
    services = context.services
    sub = await services.store.subscribers.ensure(
        chat_id(update), now=services.clock(), language_code=sender_language(update)
    )
    await services.store.subscribers.set_language(sub.chat_id, None if choice == AUTO else choice)
    t = await tr(update, context)
    if choice != AUTO:
        return t("From now on I write in {language} here.", language=t.name)
    if is_private(update):
        return t("I follow your Telegram app's language again: {language}.", language=t.name)
    return t("I write in the outlet's language again: {language}.", language=t.name)


async def language(update: Update, context: Context) -> None:
    """Choose the language the bot writes in here; alone: the choices as buttons."""
    t = await tr(update, context)
    args = context.args or []
    if not args:
        text = t("I write in {language} here. Choose a language:", language=t.name)
        await reply(update, context, text, reply_markup=keyboard(t, await _chosen(update, context)))
        return
    choice = choice_of(args[0]) if len(args) == 1 else None
    if choice is None:
        codes = ", ".join(f"<code>{code}</code>" for code in SHIPPED)
        usage = t(
            "Usage: /language &lt;code&gt; — one of {codes}, or <code>auto</code> (your Telegram app's "
            "language); /language alone shows them as buttons.",
            codes=codes,
        )
        await reply(update, context, usage)
        return
    await reply(update, context, await _apply(update, context, choice))


async def on_language_button(update: Update, context: Context) -> None:
    """A /language button: set that language (in a group: its admins only) and say so in it."""
    query = update.callback_query
    if query is None:
        return
    choice = choice_of((query.data or "").removeprefix(PREFIX))
    if choice is None or not isinstance(query.message, Message):
        await query.answer((await tr(update, context))(UNKNOWN))
        return
    if not await may_change_chat(update, context):
        await query.answer((await tr(update, context))(REFUSAL), show_alert=True)
        return
    async with context.services.chat_locks.hold(chat_id(update)):  # as every change of the chat
        done = await _apply(update, context, choice)
    await query.answer(done[:200])
    try:
        await query.message.edit_text(done)  # the list becomes the confirmation, its buttons gone
    except BadRequest as exc:  # e.g. the message was deleted meanwhile: the answer said it already
        log.info("could not edit the /language message: %s", exc)
