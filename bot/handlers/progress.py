"""Slow work with feedback: typing action, an immediate "Working…" reply, edited into the result."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.context import Context
from bot.delivery.send import send_html
from bot.formatting import esc, split_message
from bot.handlers.replies import chat_id, thread_of, tr
from bot.i18n.translator import N_
from bot.ingest import IngestError
from bot.storage.errors import InvalidValueError

log = logging.getLogger(__name__)

WORKING: Final = N_("Working…")
SORRY: Final = N_("Sorry, something went wrong on my side. Please try again.")
_TYPING_EVERY: Final = 4.5  # Telegram shows "typing" for about 5 seconds


async def _keep_typing(context: Context, chat: int) -> None:
    """Send the typing action until cancelled."""
    while True:
        with contextlib.suppress(TelegramError):
            await context.bot.send_chat_action(chat, ChatAction.TYPING)
        await asyncio.sleep(_TYPING_EVERY)


async def _show(context: Context, placeholder: Message, html_text: str) -> None:
    """Edit the placeholder into `html_text` (sending any overflow as further messages)."""
    first, *rest = split_message(html_text)
    await context.bot.edit_message_text(
        first,
        chat_id=placeholder.chat_id,
        message_id=placeholder.message_id,
    )
    if rest:
        await send_html(
            context.bot, placeholder.chat_id, "\n\n".join(rest), thread_id=placeholder.message_thread_id
        )


async def with_progress(update: Update, context: Context, work: Callable[[], Awaitable[str]]) -> None:
    """Reply "Working…" at once, run `work` (which returns the HTML result) and edit the reply into it.

    An IngestError becomes its reason, a value that does not fit the database says so; any other error
    is logged and becomes a generic apology.
    """
    chat = chat_id(update)
    t = await tr(update, context)
    typing = asyncio.create_task(_keep_typing(context, chat))
    try:
        (placeholder, *_) = await send_html(context.bot, chat, t(WORKING), thread_id=thread_of(update))
        try:
            result = await work()
        except IngestError as exc:
            await _show(context, placeholder, esc(exc.reason(t)))
        except InvalidValueError as exc:  # e.g. a page or feed title no column can hold
            await _show(context, placeholder, esc(t("That can't be stored ({problem}).", problem=str(exc))))
        except Exception:  # a bug, not bad input: log it, and still replace "Working…" (no second reply)
            log.exception("ingest failed in chat %s", chat)
            await _show(context, placeholder, t(SORRY))
        else:
            await _show(context, placeholder, result)
    finally:
        typing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await typing
