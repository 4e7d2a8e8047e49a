"""/start, and the replies to anything the bot does not understand."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers import deeplinks
from bot.handlers.access import is_editor
from bot.handlers.replies import reply


async def start(update: Update, context: Context) -> None:
    """Welcome a new user and explain how to subscribe; `/start <payload>` opens a deep link."""
    if context.args:
        await deeplinks.open_link(update, context, " ".join(context.args))
        return
    first_name = update.effective_user.first_name if update.effective_user else "there"
    settings = context.services.settings
    text = (
        f"Hello, {esc(first_name)}! I summarize the news our editors post.\n\n"
        f"Send /subscribe to get an evening digest every day at "
        f"{settings.digest_time:%H:%M} ({esc(settings.timezone)}) — change it with /settime and /timezone.\n"
        "Try /latest for the newest stories or /search to find one.\n\n"
        "/help lists every command."
    )
    await reply(update, context, text)


async def unknown_command(update: Update, context: Context) -> None:
    """Point users who typed an unknown command to /help."""
    text = update.effective_message.text if update.effective_message else ""
    command = printable(text or "").split(maxsplit=1)[0] if text else ""
    await reply(
        update, context, f"I don't know the command {esc(command[:64])}. Send /help to see what I can do."
    )


async def plain_text(update: Update, context: Context) -> None:
    """Answer non-command messages with a pointer to the commands."""
    if is_editor(update, context):
        hint = "To publish this, reply to it with /post (or /post Title). To post a link, just send the link."
    else:
        hint = "I answer commands — try /latest, /search <i>words</i> or /help."
    await reply(update, context, hint)
