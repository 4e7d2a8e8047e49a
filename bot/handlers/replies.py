"""Small helpers shared by the handlers: replying and reading arguments."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackContext

from bot.delivery import send_html

Context = CallbackContext[Any, Any, Any, Any]


async def reply(
    update: Update, context: Context, html_text: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer in the chat the update came from."""
    chat = update.effective_chat
    if chat is not None:
        await send_html(context.bot, chat.id, html_text, reply_markup=reply_markup)


def user_id(update: Update) -> int | None:
    """The id of the user who sent the update, if any."""
    return update.effective_user.id if update.effective_user else None


def chat_id(update: Update) -> int:
    """The id of the chat the update came from."""
    assert update.effective_chat is not None
    return update.effective_chat.id
