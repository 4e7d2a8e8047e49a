"""/start, /help, and the replies to anything the bot does not understand."""

from __future__ import annotations

from telegram import Update

from bot.formatting import esc
from bot.handlers.groups import GROUP_TYPES
from bot.handlers.replies import Context, reply, user_id
from bot.services import get_services

SUBSCRIBER_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("start", "", "welcome and how to subscribe"),
    ("help", "", "this list of commands"),
    ("subscribe", "", "get the evening digest"),
    ("unsubscribe", "", "stop the evening digest"),
    ("latest", "[n]", "the n newest articles (default 5)"),
    ("summary", "<id>", "one article's summary"),
    ("search", "<words>", "find stored articles, by meaning and words"),
    ("topics", "", "your followed and muted topics"),
    ("follow", "<words>", "put stories on a topic first in your digest"),
    ("mute", "<words>", "leave stories on a topic out of your digest"),
    ("unfollow", "<words>", "stop following a topic"),
    ("unmute", "<words>", "stop muting a topic"),
    ("digest", "", "your digest, right now"),
    ("settime", "HH:MM", "when your digest arrives"),
    ("timezone", "Area/City", "your time zone, e.g. Europe/Berlin"),
    ("settings", "", "your settings; /settings layout compact|full"),
)
ADMIN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("post", "Title + text | url", "publish an article, fetch a link, or reply /post to a message"),
    ("delete", "<id>", "remove an article"),
    ("stats", "", "subscribers, articles and digests"),
    ("addfeed", "<url>", "follow an RSS/Atom feed"),
    ("feeds", "", "the followed feeds and their health"),
    ("removefeed", "<id>", "stop following a feed"),
)


def _command_lines(commands: tuple[tuple[str, str, str], ...]) -> list[str]:
    return [f"/{name} {esc(args)} — {esc(text)}".replace("  —", " —") for name, args, text in commands]


async def start(update: Update, context: Context) -> None:
    """Welcome a new user and explain how to subscribe."""
    services = get_services(context)
    first_name = update.effective_user.first_name if update.effective_user else "there"
    settings = services.settings
    text = (
        f"Hello, {esc(first_name)}! I summarize the news our editors post.\n\n"
        f"Send /subscribe to get an evening digest every day at "
        f"{settings.digest_time:%H:%M} ({esc(settings.timezone)}) — change it with /settime and /timezone.\n"
        "Try /latest for the newest stories or /search to find one.\n\n"
        "/help lists every command."
    )
    await reply(update, context, text)


async def help_command(update: Update, context: Context) -> None:
    """List the commands this user can use."""
    services = get_services(context)
    lines = ["<b>Commands</b>", *_command_lines(SUBSCRIBER_COMMANDS)]
    if services.is_admin(user_id(update)):
        lines += ["", "<b>Editors</b>", *_command_lines(ADMIN_COMMANDS)]
        lines.append("\n/post format: <code>/post Title</code>, then the article text on the next lines.")
    chat = update.effective_chat
    if chat is not None and chat.type in GROUP_TYPES:
        lines += [
            "",
            "In this group the digest and its topics are shared: only the group's admins change them.",
        ]
    await reply(update, context, "\n".join(lines))


async def unknown_command(update: Update, context: Context) -> None:
    """Point users who typed an unknown command to /help."""
    text = update.effective_message.text if update.effective_message else ""
    command = (text or "").split(maxsplit=1)[0] if text else ""
    await reply(
        update, context, f"I don't know the command {esc(command[:64])}. Send /help to see what I can do."
    )


async def plain_text(update: Update, context: Context) -> None:
    """Answer non-command messages with a pointer to the commands."""
    services = get_services(context)
    if services.is_admin(user_id(update)):
        hint = "To publish this, reply to it with /post (or /post Title). To post a link, just send the link."
    else:
        hint = "I answer commands — try /latest, /search <i>words</i> or /help."
    await reply(update, context, hint)
