"""/subscribe, /unsubscribe, /settime, /timezone and /settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Final

from telegram import Update

from bot.config import check_timezone, parse_hhmm
from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers.replies import chat_id, reply, sender_language, thread_of, tr
from bot.i18n.translator import N_, Translator
from bot.services import Services
from bot.storage import Layout, Subscriber

DEFAULT: Final = "default"  # `/settime default`, `/timezone default`: follow the outlet's again
# The layouts as /settings names them.
LAYOUT_NAMES: Final = {Layout.COMPACT: N_("compact"), Layout.FULL: N_("full")}


async def _subscriber(services: Services, chat: int, language_code: str | None = None) -> Subscriber:
    """The chat's row; a new one chose no time or zone (it follows the outlet's defaults) and records
    its user's Telegram `language_code` (for the digest)."""
    return await services.store.subscribers.ensure(chat, now=services.clock(), language_code=language_code)


def when(services: Services, sub: Subscriber) -> str:
    """The chat's digest time and zone, e.g. "19:00 (Europe/Berlin)"."""
    defaults = services.schedule.defaults
    return f"{defaults.time_of(sub):%H:%M} ({esc(defaults.zone_of(sub))})"


def _where(update: Update, thread: int | None, t: Translator) -> str | None:
    """ "in this topic" / "in the General topic" in a forum supergroup, else None."""
    chat = update.effective_chat
    if thread is not None:
        return t("in this topic")
    return t("in the General topic") if chat is not None and chat.is_forum else None


async def subscribe_chat(
    services: Services, chat: int, language_code: str | None = None
) -> tuple[Subscriber, bool]:
    """Subscribe a private chat and schedule its digest (a channel's 👍 link); (its row, True unless it
    was subscribed already). The caller holds the chat's lock."""
    sub = await _subscriber(services, chat, language_code)
    if sub.subscribed:
        return sub, False
    sub = await services.store.subscribers.set_subscribed(sub.chat_id, True, now=services.clock())
    services.schedule.schedule(sub)
    return sub, True


async def subscribe(update: Update, context: Context) -> None:
    """Turn the evening digest on for this chat (in a forum: in the topic it was sent in)."""
    services = context.services
    t = await tr(update, context)
    sub = await _subscriber(services, chat_id(update), sender_language(update))
    thread = thread_of(update)
    where = _where(update, thread, t)
    if sub.subscribed and sub.thread_id != thread:  # asked in another topic: the digest moves here
        sub = await services.store.subscribers.set_thread(sub.chat_id, thread)
        moved = t(
            "Your digest moves here: it arrives {where} at {when}.",
            where=where or t("in this chat"),
            when=when(services, sub),
        )
        await reply(update, context, moved)
        return
    if sub.subscribed:
        already = (
            t("You are already subscribed: your digest arrives at {when}.", when=when(services, sub))
            if where is None
            else t(
                "You are already subscribed: your digest arrives {where} at {when}.",
                where=where,
                when=when(services, sub),
            )
        )
        await reply(update, context, already)
        return
    sub = await services.store.subscribers.set_subscribed(
        sub.chat_id, True, now=services.clock(), thread_id=thread
    )
    context.services.schedule.schedule(sub)
    await reply(update, context, _subscribed_html(t, where, when(services, sub)))


def _subscribed_html(t: Translator, where: str | None, when: str) -> str:
    """The reply to a new subscription."""
    if where is None:
        return t(
            "Subscribed! Your digest arrives every day at {when}.\n"
            "Change it with /settime HH:MM and /timezone Area/City; stop it with /unsubscribe.",
            when=when,
        )
    return t(
        "Subscribed! Your digest arrives {where} every day at {when}.\n"
        "Change it with /settime HH:MM and /timezone Area/City; stop it with /unsubscribe.",
        where=where,
        when=when,
    )


async def unsubscribe(update: Update, context: Context) -> None:
    """Turn the evening digest off for this chat."""
    services = context.services
    t = await tr(update, context)
    sub = await services.store.subscribers.get(chat_id(update))
    if sub is None or not sub.subscribed:
        await reply(update, context, t("You are not subscribed. Send /subscribe to get the evening digest."))
        return
    await services.store.subscribers.set_subscribed(sub.chat_id, False, now=services.clock())
    services.schedule.unschedule(sub.chat_id)
    await reply(update, context, t("Unsubscribed. No more digests — /subscribe brings them back."))


def time_usage(command: str, t: Translator) -> str:
    """How to write a digest time, for `command` ("/settime", "/channel -100… time")."""
    return t(
        "Usage: {command} HH:MM (24-hour clock), e.g. <code>{command} 18:30</code>; "
        "<code>{command} default</code> follows the outlet's time again.",
        command=command,
    )


def zone_usage(command: str, t: Translator) -> str:
    """How to write a time zone, for `command` ("/timezone", "/channel -100… timezone")."""
    return t(
        "Usage: {command} Area/City, e.g. <code>{command} Europe/Berlin</code> "
        "or <code>{command} America/New_York</code>; <code>{command} default</code> follows the "
        "outlet's zone again.",
        command=command,
    )


def unknown_zone(args: Sequence[str], t: Translator) -> str:
    """“I don't know the time zone “…”. ” for what was typed (empty when nothing was)."""
    shown = esc(printable(" ".join(args))[:64]) if args else ""
    return t("I don't know the time zone “{zone}”.", zone=shown) + " " if shown else ""


def parse_time_args(args: Sequence[str]) -> time | None:
    """The digest time of `/settime`'s arguments (also `/channel <id> time`): HH:MM, or None for
    "default" (the outlet's DIGEST_TIME); ValueError for anything else."""
    if len(args) != 1:
        raise ValueError("one argument expected")
    return None if args[0].casefold() == DEFAULT else parse_hhmm(args[0])


def parse_zone_args(args: Sequence[str]) -> str | None:
    """The IANA zone of `/timezone`'s arguments (also `/channel <id> timezone`), or None for "default"
    (the outlet's TIMEZONE); ValueError for anything else."""
    if len(args) != 1:
        raise ValueError("one argument expected")
    return None if args[0].casefold() == DEFAULT else check_timezone(args[0])


def parse_layout_args(args: Sequence[str]) -> Layout:
    """The layout of `/settings layout`'s argument (also `/channel <id> layout`): compact or full;
    ValueError for anything else."""
    if len(args) != 1 or args[0].casefold() not in tuple(Layout):
        raise ValueError("compact or full expected")
    return Layout(args[0].casefold())


async def set_chat_time(
    services: Services, chat: int, at: time | None, language_code: str | None = None
) -> Subscriber:
    """Set a chat's digest time (None: the outlet's) and reschedule its job if it is subscribed; the
    caller holds the chat's lock."""
    sub = await _subscriber(services, chat, language_code)
    sub = await services.store.subscribers.set_digest_time(sub.chat_id, at, now=services.clock())
    _reschedule(services, sub)
    return sub


async def set_chat_zone(
    services: Services, chat: int, zone: str | None, language_code: str | None = None
) -> Subscriber:
    """Set a chat's time zone (None: the outlet's) and reschedule its job if it is subscribed; the
    caller holds the chat's lock."""
    sub = await _subscriber(services, chat, language_code)
    sub = await services.store.subscribers.set_timezone(sub.chat_id, zone, now=services.clock())
    _reschedule(services, sub)
    return sub


async def set_chat_layout(
    services: Services, chat: int, layout: Layout, language_code: str | None = None
) -> Subscriber:
    """Set a chat's digest layout."""
    sub = await _subscriber(services, chat, language_code)
    return await services.store.subscribers.set_layout(sub.chat_id, layout)


def _reschedule(services: Services, sub: Subscriber) -> None:
    """A subscribed chat's job follows its new time or zone."""
    if sub.subscribed:
        services.schedule.schedule(sub)


async def settime(update: Update, context: Context) -> None:
    """Set the local time of day the digest arrives."""
    services = context.services
    t = await tr(update, context)
    try:
        new_time = parse_time_args(context.args or [])
    except ValueError:
        await reply(update, context, time_usage("/settime", t))
        return
    sub = await set_chat_time(services, chat_id(update), new_time, sender_language(update))
    at = when(services, sub)
    if new_time is None:
        said = t("Your digest time now follows the outlet's default: {when}.", when=at)
    else:
        said = t("Your digest time is now {when}.", when=at)
    await reply(update, context, said + _hint(sub, t))


async def timezone(update: Update, context: Context) -> None:
    """Set the IANA time zone the digest time is read in."""
    services = context.services
    t = await tr(update, context)
    args = context.args or []
    try:
        zone = parse_zone_args(args)
    except ValueError:
        await reply(update, context, unknown_zone(args, t) + zone_usage("/timezone", t))
        return
    sub = await set_chat_zone(services, chat_id(update), zone, sender_language(update))
    shown, at = esc(services.schedule.defaults.zone_of(sub)), when(services, sub)
    if zone is None:
        said = t(
            "Your time zone now follows the outlet's default, {zone}: digest at {when}.",
            zone=shown,
            when=at,
        )
    else:
        said = t("Your time zone is now {zone}: digest at {when}.", zone=shown, when=at)
    await reply(update, context, said + _hint(sub, t))


def _hint(sub: Subscriber, t: Translator) -> str:
    if sub.subscribed:
        return ""
    return "\n" + t("You are not subscribed yet — send /subscribe to receive it.")


LAYOUT_USAGE: Final = N_(
    "Usage: <code>/settings layout compact</code> (numbered headlines, a button per summary) "
    "or <code>/settings layout full</code> (every summary written out)."
)


async def settings(update: Update, context: Context) -> None:
    """Show this chat's subscription settings; `/settings layout compact|full` picks the digest layout."""
    services = context.services
    t = await tr(update, context)
    args = context.args or []
    if args:
        try:
            if args[0].casefold() != "layout":
                raise ValueError("/settings layout expected")
            layout = parse_layout_args(args[1:])
        except ValueError:
            await reply(update, context, t(LAYOUT_USAGE))
            return
        sub = await set_chat_layout(services, chat_id(update), layout, sender_language(update))
        name = t(LAYOUT_NAMES[sub.digest_layout])
        await reply(update, context, t("Your digest layout is now <b>{layout}</b>.", layout=name))
        return
    sub = await _subscriber(services, chat_id(update), sender_language(update))
    await reply(update, context, _settings_html(services, sub, t))


def _settings_html(services: Services, sub: Subscriber, t: Translator) -> str:
    """The /settings listing."""
    defaults = services.schedule.defaults
    status = t("subscribed") if sub.subscribed else t("not subscribed (/subscribe)")
    time_is = _whose(t, sub.digest_time is None, t("your time"), "/settime HH:MM", "/settime default")
    zone_is = _whose(t, sub.timezone is None, t("your zone"), "/timezone Area/City", "/timezone default")
    at = f"{defaults.time_of(sub):%H:%M}"
    lines = [
        t("<b>Your settings</b>"),
        t("Digest: {status}", status=status),
        t("Time: {time} {whose}", time=at, whose=time_is),
        t("Time zone: {zone} {whose}", zone=esc(defaults.zone_of(sub)), whose=zone_is),
        t(
            "Layout: {layout} — /settings layout compact|full",
            layout=t(LAYOUT_NAMES[sub.digest_layout]),
        ),
        t("Language: {language} — /language", language=t.name),
    ]
    if sub.subscribed and sub.thread_id is not None:
        lines.append(t("Topic: the one /subscribe was sent in — /subscribe in another topic moves it"))
    next_run = services.schedule.next_run(sub.chat_id)
    if next_run is not None:
        lines.append(t("Next digest: {when}", when=t.stamp(next_run)))
    return "\n".join(lines)


def _whose(t: Translator, follows: bool, own: str, change: str, back: str) -> str:
    """ "(the outlet's default) — change", or "(your time) — change, or back to the default"."""
    if follows:
        return t("(the outlet's default) — {change}", change=change)
    return t("({own}) — {change}, or {back}", own=own, change=change, back=back)
