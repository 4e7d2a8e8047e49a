"""Small helpers shared by the handlers: replying, reading who and where, counting what is handled."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update

from bot.context import Context
from bot.delivery.send import send_html

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
