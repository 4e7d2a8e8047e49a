"""/subscribe, /unsubscribe, /settime, /timezone and /settings."""

from __future__ import annotations

from telegram import Update

from bot.config import check_timezone, parse_hhmm
from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers.replies import chat_id, reply
from bot.services import Services
from bot.storage import Layout, Subscriber


async def _subscriber(services: Services, chat: int) -> Subscriber:
    settings = services.settings
    return await services.store.subscribers.ensure(
        chat, digest_time=settings.digest_time, timezone=settings.timezone, now=services.clock()
    )


def _when(sub: Subscriber) -> str:
    return f"{sub.digest_time:%H:%M} ({esc(sub.timezone)})"


async def subscribe(update: Update, context: Context) -> None:
    """Turn the evening digest on for this chat."""
    services = context.services
    sub = await _subscriber(services, chat_id(update))
    if sub.subscribed:
        await reply(update, context, f"You are already subscribed: your digest arrives at {_when(sub)}.")
        return
    sub = await services.store.subscribers.set_subscribed(sub.chat_id, True)
    context.services.schedule.schedule(sub)
    await reply(
        update,
        context,
        f"Subscribed! Your digest arrives every day at {_when(sub)}.\n"
        "Change it with /settime HH:MM and /timezone Area/City; stop it with /unsubscribe.",
    )


async def unsubscribe(update: Update, context: Context) -> None:
    """Turn the evening digest off for this chat."""
    services = context.services
    sub = await services.store.subscribers.get(chat_id(update))
    if sub is None or not sub.subscribed:
        await reply(update, context, "You are not subscribed. Send /subscribe to get the evening digest.")
        return
    await services.store.subscribers.set_subscribed(sub.chat_id, False)
    services.schedule.unschedule(sub.chat_id)
    await reply(update, context, "Unsubscribed. No more digests — /subscribe brings them back.")


async def settime(update: Update, context: Context) -> None:
    """Set the local time of day the digest arrives."""
    services = context.services
    args = context.args or []
    try:
        if len(args) != 1:
            raise ValueError("one argument expected")
        new_time = parse_hhmm(args[0])
    except ValueError:
        await reply(
            update, context, "Usage: /settime HH:MM (24-hour clock), e.g. <code>/settime 18:30</code>."
        )
        return
    sub = await _subscriber(services, chat_id(update))
    sub = await services.store.subscribers.set_digest_time(sub.chat_id, new_time)
    await reply(update, context, f"Your digest time is now {_when(sub)}.{_hint(sub, context)}")


async def timezone(update: Update, context: Context) -> None:
    """Set the IANA time zone the digest time is read in."""
    services = context.services
    args = context.args or []
    try:
        if len(args) != 1:
            raise ValueError("one argument expected")
        zone = check_timezone(args[0])
    except ValueError:
        shown = esc(printable(" ".join(args))[:64]) if args else ""
        prefix = f"I don't know the time zone “{shown}”. " if shown else ""
        await reply(
            update,
            context,
            f"{prefix}Usage: /timezone Area/City, e.g. <code>/timezone Europe/Berlin</code> "
            "or <code>/timezone America/New_York</code>.",
        )
        return
    sub = await _subscriber(services, chat_id(update))
    sub = await services.store.subscribers.set_timezone(sub.chat_id, zone)
    await reply(
        update, context, f"Your time zone is now {esc(zone)}: digest at {_when(sub)}.{_hint(sub, context)}"
    )


def _hint(sub: Subscriber, context: Context) -> str:
    if sub.subscribed:
        context.services.schedule.schedule(sub)
        return ""
    return "\nYou are not subscribed yet — send /subscribe to receive it."


LAYOUT_USAGE = (
    "Usage: <code>/settings layout compact</code> (numbered headlines, a button per summary) "
    "or <code>/settings layout full</code> (every summary written out)."
)


async def settings(update: Update, context: Context) -> None:
    """Show this chat's subscription settings; `/settings layout compact|full` picks the digest layout."""
    services = context.services
    args = [a.casefold() for a in context.args or []]
    if args and (len(args) != 2 or args[0] != "layout" or args[1] not in tuple(Layout)):
        await reply(update, context, LAYOUT_USAGE)
        return
    sub = await _subscriber(services, chat_id(update))
    if args:
        sub = await services.store.subscribers.set_layout(sub.chat_id, Layout(args[1]))
        await reply(update, context, f"Your digest layout is now <b>{sub.digest_layout}</b>.")
        return
    status = "subscribed" if sub.subscribed else "not subscribed (/subscribe)"
    next_run = services.schedule.next_run(sub.chat_id)
    lines = [
        "<b>Your settings</b>",
        f"Digest: {status}",
        f"Time: {sub.digest_time:%H:%M} — /settime HH:MM",
        f"Time zone: {esc(sub.timezone)} — /timezone Area/City",
        f"Layout: {sub.digest_layout} — /settings layout compact|full",
    ]
    if next_run is not None:
        lines.append(f"Next digest: {next_run:%Y-%m-%d %H:%M %Z}")
    await reply(update, context, "\n".join(lines))
