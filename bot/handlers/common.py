"""/start, and the replies to anything the bot does not understand."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers import deeplinks
from bot.handlers.access import is_editor
from bot.handlers.replies import reply, tr


async def start(update: Update, context: Context) -> None:
    """Welcome a new user and explain how to subscribe; `/start <payload>` opens a deep link."""
    if context.args:
        await deeplinks.open_link(update, context, " ".join(context.args))
        return
    t = await tr(update, context)
    first_name = update.effective_user.first_name if update.effective_user else t("there")
    settings = context.services.settings
    at = f"{settings.digest_time:%H:%M}"
    text = "\n\n".join(
        [
            t("Hello, {name}! I summarize the news our editors post.", name=esc(first_name)),
            t(
                "Send /subscribe to get an evening digest every day at {time} ({zone}) — change it with "
                "/settime and /timezone.\nTry /latest for the newest stories or /search to find one.",
                time=at,
                zone=esc(settings.timezone),
            ),
            t("/help lists every command; /language changes the language."),
        ]
    )
    await reply(update, context, text)


async def unknown_command(update: Update, context: Context) -> None:
    """Point users who typed an unknown command to /help."""
    t = await tr(update, context)
    text = update.effective_message.text if update.effective_message else ""
    command = printable(text or "").split(maxsplit=1)[0] if text else ""
    await reply(
        update,
        context,
        t("I don't know the command {command}. Send /help to see what I can do.", command=esc(command[:64])),
    )


async def plain_text(update: Update, context: Context) -> None:
    """Answer non-command messages with a pointer to the commands."""
    t = await tr(update, context)
    if is_editor(update, context):
        hint = t(
            "To publish this, reply to it with /post (or /post Title). To post a link, just send the link."
        )
    else:
        hint = t("I answer commands — try /latest, /search <i>words</i> or /help.")
    await reply(update, context, hint)
