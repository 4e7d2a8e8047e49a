"""Small helpers shared by the handlers: replying, the reader's language (`tr`), reading who and where,
counting what is handled."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatType

from bot.context import Context
from bot.delivery.send import send_html
from bot.i18n.catalog import normalize_tag
from bot.i18n.translator import Translator

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


async def reply(
    update: Update,
    context: Context,
    html_text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    link_preview: LinkPreviewOptions | None = None,
) -> None:
    """Answer in the chat (and forum topic) the update came from."""
    chat = update.effective_chat
    if chat is not None:
        await send_html(
            context.bot,
            chat.id,
            html_text,
            reply_markup=reply_markup,
            link_preview=link_preview,
            thread_id=thread_of(update),
        )


def is_private(update: Update) -> bool:
    """Whether the update comes from a private chat (or from a user with no chat: an inline query)."""
    chat = update.effective_chat
    return chat is None or chat.type == ChatType.PRIVATE


def sender_language(update: Update) -> str | None:
    """The Telegram language_code of the sender of a private update (normalized), else None: a group
    is spoken to in its own language, whoever writes."""
    user = update.effective_user
    return normalize_tag(user.language_code) if user is not None and is_private(update) else None


async def tr(update: Update, context: Context) -> Translator:
    """The language to answer `update` in: the chat's choice (/language), else in a private chat the
    sender's Telegram language, else BOT_LANGUAGE (bot.i18n.catalog). `t = await tr(update, context)`,
    then `t("Hello, {name}!", name=...)`. A private chat's user's language is remembered for its digest."""
    services = context.services
    chat, user = update.effective_chat, update.effective_user
    key = chat.id if chat is not None else (user.id if user is not None else None)
    sub = await services.store.subscribers.get(key) if key is not None else None
    sender = sender_language(update)
    if sub is not None and sender is not None and sub.last_language_code != sender:
        await services.store.subscribers.note_language_code(sub.chat_id, sender)
    return services.i18n.for_chat(
        chosen=sub.language if sub else None,
        private=is_private(update),
        sender=sender,
        last_seen=sub.last_language_code if sub else None,
    )


async def chat_tr(context: Context, chat: int) -> Translator:
    """The language of a chat the bot writes to on its own (no sender: editors told of a report, a
    group greeted): its choice, else (private) its user's Telegram language last seen, else BOT_LANGUAGE."""
    services = context.services
    sub = await services.store.subscribers.get(chat)
    return services.i18n.for_chat(
        chosen=sub.language if sub else None,
        private=chat > 0,
        sender=None,
        last_seen=sub.last_language_code if sub else None,
    )


def guess_tr(update: Update, context: Context) -> Translator:
    """The sender's language without asking the database (the error handler: it may be what failed)."""
    return context.services.i18n.for_chat(
        chosen=None, private=is_private(update), sender=sender_language(update)
    )


def thread_of(update: Update) -> int | None:
    """The forum topic the update's message was written in (replies stay there), else None."""
    message = update.effective_message
    return message.message_thread_id if message is not None and message.is_topic_message else None


def user_id(update: Update) -> int | None:
    """The id of the user who sent the update, if any."""
    return update.effective_user.id if update.effective_user else None


def chat_id(update: Update) -> int:
    """The id of the chat the update came from (every handler here is for updates that have one)."""
    chat = update.effective_chat
    if chat is None:
        raise ValueError(f"update {update.update_id} has no chat")
    return chat.id


def counted(label: str, callback: Handler) -> Handler:
    """`callback`, counting each update it handles as `newsbot_updates_total{command=label}`."""

    @functools.wraps(callback)
    async def handle(update: Update, context: Context) -> None:
        context.services.metrics.updates.labels(command=label).inc()
        await callback(update, context)

    return handle
