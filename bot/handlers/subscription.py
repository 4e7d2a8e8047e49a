"""/subscribe, /unsubscribe, /settime, /timezone and /settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Final

from telegram import Update

from bot.config import check_timezone, parse_hhmm
from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers.replies import chat_id, reply
from bot.services import Services
from bot.storage import Layout, Subscriber

DEFAULT: Final = "default"  # `/settime default`, `/timezone default`: follow the outlet's again


async def _subscriber(services: Services, chat: int) -> Subscriber:
    """The chat's row; a new one chose no time or zone (it follows the outlet's defaults)."""
    return await services.store.subscribers.ensure(chat, now=services.clock())


def when(services: Services, sub: Subscriber) -> str:
    """The chat's digest time and zone, e.g. "19:00 (Europe/Berlin)"."""
    defaults = services.schedule.defaults
    return f"{defaults.time_of(sub):%H:%M} ({esc(defaults.zone_of(sub))})"


async def subscribe_chat(services: Services, chat: int) -> tuple[Subscriber, bool]:
    """Subscribe the chat and schedule its digest; (its row, True unless it was subscribed already). The
    caller holds the chat's lock."""
    sub = await _subscriber(services, chat)
    if sub.subscribed:
        return sub, False
    sub = await services.store.subscribers.set_subscribed(sub.chat_id, True, now=services.clock())
    services.schedule.schedule(sub)
    return sub, True


async def subscribe(update: Update, context: Context) -> None:
    """Turn the evening digest on for this chat."""
    services = context.services
    sub, subscribed = await subscribe_chat(services, chat_id(update))
    if not subscribed:
        await reply(
            update, context, f"You are already subscribed: your digest arrives at {when(services, sub)}."
        )
        return
    await reply(
        update,
        context,
        f"Subscribed! Your digest arrives every day at {when(services, sub)}.\n"
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


def time_usage(command: str) -> str:
    """How to write a digest time, for `command` ("/settime", "/channel -100… time")."""
    return (
        f"Usage: {command} HH:MM (24-hour clock), e.g. <code>{command} 18:30</code>; "
        f"<code>{command} default</code> follows the outlet's time again."
    )


def zone_usage(command: str) -> str:
    """How to write a time zone, for `command` ("/timezone", "/channel -100… timezone")."""
    return (
        f"Usage: {command} Area/City, e.g. <code>{command} Europe/Berlin</code> or "
        f"<code>{command} America/New_York</code>; <code>{command} default</code> follows the outlet's "
        "zone again."
    )


def parse_time_args(args: Sequence[str]) -> time | None:
    """The digest time of `/settime`'s arguments (also `/channel <id> time`): HH:MM, or None for
    "default" (the outlet's DIGEST_TIME); ValueError for anything else."""
    if len(args) != 1:
        raise ValueError("one argument expected")
    return None if args[0].casefold() == DEFAULT else parse_hhmm(args[0])


async def set_chat_time(services: Services, chat: int, at: time | None) -> Subscriber:
    """Set a chat's digest time (None: the outlet's) and reschedule its job if it is subscribed; the
    caller holds the chat's lock."""
    sub = await _subscriber(services, chat)
    sub = await services.store.subscribers.set_digest_time(sub.chat_id, at, now=services.clock())
    _reschedule(services, sub)
    return sub


def parse_zone_args(args: Sequence[str]) -> str | None:
    """The IANA zone of `/timezone`'s arguments (also `/channel <id> timezone`), or None for "default"
    (the outlet's TIMEZONE); ValueError for anything else."""
    if len(args) != 1:
        raise ValueError("one argument expected")
    return None if args[0].casefold() == DEFAULT else check_timezone(args[0])


def unknown_zone(args: Sequence[str]) -> str:
    """“I don't know the time zone “…”. ” for what was typed (empty when nothing was)."""
    shown = esc(printable(" ".join(args))[:64]) if args else ""
    return f"I don't know the time zone “{shown}”. " if shown else ""


async def set_chat_zone(services: Services, chat: int, zone: str | None) -> Subscriber:
    """Set a chat's time zone (None: the outlet's) and reschedule its job if it is subscribed; the
    caller holds the chat's lock."""
    sub = await _subscriber(services, chat)
    sub = await services.store.subscribers.set_timezone(sub.chat_id, zone, now=services.clock())
    _reschedule(services, sub)
    return sub


def parse_layout_args(args: Sequence[str]) -> Layout:
    """The layout of `/settings layout`'s argument (also `/channel <id> layout`): compact or full;
    ValueError for anything else."""
    if len(args) != 1 or args[0].casefold() not in tuple(Layout):
        raise ValueError("compact or full expected")
    return Layout(args[0].casefold())


async def set_chat_layout(services: Services, chat: int, layout: Layout) -> Subscriber:
    """Set a chat's digest layout."""
    sub = await _subscriber(services, chat)
    return await services.store.subscribers.set_layout(sub.chat_id, layout)


def _reschedule(services: Services, sub: Subscriber) -> None:
    """A subscribed chat's job follows its new time or zone."""
    if sub.subscribed:
        services.schedule.schedule(sub)


async def settime(update: Update, context: Context) -> None:
    """Set the local time of day the digest arrives."""
    services = context.services
    try:
        new_time = parse_time_args(context.args or [])
    except ValueError:
        await reply(update, context, time_usage("/settime"))
        return
    sub = await set_chat_time(services, chat_id(update), new_time)
    said = "now follows the outlet's default:" if new_time is None else "is now"
    await reply(update, context, f"Your digest time {said} {when(services, sub)}.{_hint(sub)}")


async def timezone(update: Update, context: Context) -> None:
    """Set the IANA time zone the digest time is read in."""
    services = context.services
    args = context.args or []
    try:
        zone = parse_zone_args(args)
    except ValueError:
        await reply(update, context, unknown_zone(args) + zone_usage("/timezone"))
        return
    sub = await set_chat_zone(services, chat_id(update), zone)
    shown = esc(services.schedule.defaults.zone_of(sub))
    said = f"now follows the outlet's default, {shown}" if zone is None else f"is now {shown}"
    await reply(update, context, f"Your time zone {said}: digest at {when(services, sub)}.{_hint(sub)}")


def _hint(sub: Subscriber) -> str:
    if sub.subscribed:
        return ""
    return "\nYou are not subscribed yet — send /subscribe to receive it."


LAYOUT_USAGE = (
    "Usage: <code>/settings layout compact</code> (numbered headlines, a button per summary) "
    "or <code>/settings layout full</code> (every summary written out)."
)


async def settings(update: Update, context: Context) -> None:
    """Show this chat's subscription settings; `/settings layout compact|full` picks the digest layout."""
    services = context.services
    args = context.args or []
    if args:
        try:
            if args[0].casefold() != "layout":
                raise ValueError("/settings layout expected")
            layout = parse_layout_args(args[1:])
        except ValueError:
            await reply(update, context, LAYOUT_USAGE)
            return
        sub = await set_chat_layout(services, chat_id(update), layout)
        await reply(update, context, f"Your digest layout is now <b>{sub.digest_layout}</b>.")
        return
    sub = await _subscriber(services, chat_id(update))
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
    if next_run is not None:
        lines.append(f"Next digest: {next_run:%Y-%m-%d %H:%M %Z}")
    await reply(update, context, "\n".join(lines))


def _whose(follows: bool, own: str, change: str, back: str) -> str:
    """ "(the outlet's default)" or "(your time)", and how to change it (or return to the default)."""
    if follows:
        return f"(the outlet's default) — {change}"
    return f"({own}) — {change}, or {back}"
