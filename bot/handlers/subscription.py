"""/subscribe, /unsubscribe, /settime, /timezone and /settings."""

from __future__ import annotations

from typing import Final

from telegram import Update

from bot.config import check_timezone, parse_hhmm
from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers.replies import chat_id, reply, thread_of
from bot.services import Services
from bot.storage import Layout, Subscriber

DEFAULT: Final = "default"  # `/settime default`, `/timezone default`: follow the outlet's again


async def _subscriber(services: Services, chat: int) -> Subscriber:
    """The chat's row; a new one chose no time or zone (it follows the outlet's defaults)."""
    return await services.store.subscribers.ensure(chat, now=services.clock())


def _when(services: Services, sub: Subscriber) -> str:
    defaults = services.schedule.defaults
    return f"{defaults.time_of(sub):%H:%M} ({esc(defaults.zone_of(sub))})"


def _where(update: Update, thread: int | None) -> str:
    """ " in this topic" / " in the General topic" in a forum supergroup, else nothing."""
    chat = update.effective_chat
    if thread is not None:
        return " in this topic"
    return " in the General topic" if chat is not None and chat.is_forum else ""


async def subscribe(update: Update, context: Context) -> None:
    """Turn the evening digest on for this chat (in a forum: in the topic it was sent in)."""
    services = context.services
    sub = await _subscriber(services, chat_id(update))
    thread = thread_of(update)
    if sub.subscribed and sub.thread_id != thread:  # asked in another topic: the digest moves here
        sub = await services.store.subscribers.set_thread(sub.chat_id, thread)
        await reply(
            update,
            context,
            f"Your digest moves here: it arrives{_where(update, thread) or ' in this chat'} "
            f"at {_when(services, sub)}.",
        )
        return
    if sub.subscribed:
        await reply(
            update,
            context,
            f"You are already subscribed: your digest arrives{_where(update, thread)} "
            f"at {_when(services, sub)}.",
        )
        return
    sub = await services.store.subscribers.set_subscribed(
        sub.chat_id, True, now=services.clock(), thread_id=thread
    )
    context.services.schedule.schedule(sub)
    await reply(
        update,
        context,
        f"Subscribed! Your digest arrives{_where(update, thread)} every day at {_when(services, sub)}.\n"
        "Change it with /settime HH:MM and /timezone Area/City; stop it with /unsubscribe.",
    )


async def unsubscribe(update: Update, context: Context) -> None:
    """Turn the evening digest off for this chat."""
    services = context.services
    sub = await services.store.subscribers.get(chat_id(update))
    if sub is None or not sub.subscribed:
        await reply(update, context, "You are not subscribed. Send /subscribe to get the evening digest.")
        return
    await services.store.subscribers.set_subscribed(sub.chat_id, False, now=services.clock())
    services.schedule.unschedule(sub.chat_id)
    await reply(update, context, "Unsubscribed. No more digests — /subscribe brings them back.")


async def settime(update: Update, context: Context) -> None:
    """Set the local time of day the digest arrives."""
    services = context.services
    args = context.args or []
    try:
        if len(args) != 1:
            raise ValueError("one argument expected")
        new_time = None if args[0].casefold() == DEFAULT else parse_hhmm(args[0])
    except ValueError:
        await reply(
            update,
            context,
            "Usage: /settime HH:MM (24-hour clock), e.g. <code>/settime 18:30</code>; "
            "<code>/settime default</code> follows the outlet's time again.",
        )
        return
    sub = await _subscriber(services, chat_id(update))
    sub = await services.store.subscribers.set_digest_time(sub.chat_id, new_time, now=services.clock())
    said = "now follows the outlet's default:" if new_time is None else "is now"
    await reply(update, context, f"Your digest time {said} {_when(services, sub)}.{_hint(sub, context)}")


async def timezone(update: Update, context: Context) -> None:
    """Set the IANA time zone the digest time is read in."""
    services = context.services
    args = context.args or []
    try:
        if len(args) != 1:
            raise ValueError("one argument expected")
        zone = None if args[0].casefold() == DEFAULT else check_timezone(args[0])
    except ValueError:
        shown = esc(printable(" ".join(args))[:64]) if args else ""
        prefix = f"I don't know the time zone “{shown}”. " if shown else ""
        await reply(
            update,
            context,
            f"{prefix}Usage: /timezone Area/City, e.g. <code>/timezone Europe/Berlin</code> "
            "or <code>/timezone America/New_York</code>; <code>/timezone default</code> follows the "
            "outlet's zone again.",
        )
        return
    sub = await _subscriber(services, chat_id(update))
    sub = await services.store.subscribers.set_timezone(sub.chat_id, zone, now=services.clock())
    shown = esc(services.schedule.defaults.zone_of(sub))
    said = f"now follows the outlet's default, {shown}" if zone is None else f"is now {shown}"
    await reply(
        update, context, f"Your time zone {said}: digest at {_when(services, sub)}.{_hint(sub, context)}"
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
    defaults = services.schedule.defaults
    lines = [
        "<b>Your settings</b>",
        f"Digest: {status}",
        f"Time: {defaults.time_of(sub):%H:%M} "
        + _whose(sub.digest_time is None, "your time", "/settime HH:MM", "/settime default"),
        f"Time zone: {esc(defaults.zone_of(sub))} "
        + _whose(sub.timezone is None, "your zone", "/timezone Area/City", "/timezone default"),
        f"Layout: {sub.digest_layout} — /settings layout compact|full",
    ]
    if sub.subscribed and sub.thread_id is not None:
        lines.append("Topic: the one /subscribe was sent in — /subscribe in another topic moves it")
    if next_run is not None:
        lines.append(f"Next digest: {next_run:%Y-%m-%d %H:%M %Z}")
    await reply(update, context, "\n".join(lines))


def _whose(follows: bool, own: str, change: str, back: str) -> str:
    """ "(the outlet's default)" or "(your time)", and how to change it (or return to the default)."""
    if follows:
        return f"(the outlet's default) — {change}"
    return f"({own}) — {change}, or {back}"
