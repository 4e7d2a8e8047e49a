"""/addchannel, /channels, /removechannel and /channel <id> …: the outlet's channels, managed by its editors
in their private chat with the bot.

A channel's time, zone and layout are set with the very functions /settime, /timezone and /settings layout
use (bot.handlers.subscription), on the channel's chat; pin and silent are the channel's own. `/channel`'s
subcommands are one table (`CHANNEL_SETTINGS`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final

from telegram import Update
from telegram.error import TelegramError

from bot.channels import ChannelRefused
from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers.replies import reply, tr, user_id
from bot.handlers.subscription import (
    LAYOUT_NAMES,
    parse_layout_args,
    parse_time_args,
    parse_zone_args,
    set_chat_layout,
    set_chat_time,
    set_chat_zone,
    time_usage,
    unknown_zone,
    when,
    zone_usage,
)
from bot.i18n.translator import N_, Translator
from bot.services import Services
from bot.storage import Channel, ChannelStatus, Subscriber

_USERNAME: Final = re.compile(r"@([A-Za-z][A-Za-z0-9_]{3,31})")
_CHAT_ID: Final = re.compile(r"-100\d{1,16}")
HOW_TO_ADD: Final = N_(
    "<code>/addchannel @name</code> or <code>/addchannel -100…</code> (a private channel's id). "
    "Make me an administrator of the channel allowed to post messages first."
)
NO_TELEGRAM: Final = N_("Telegram did not answer in time; nothing was changed. Please try again.")
SWITCH: Final = {"on": True, "off": False}

ChannelAction = Callable[[Services, Channel, list[str], Translator], Awaitable[str]]


@dataclass(frozen=True)
class ChannelSetting:
    """One `/channel <id> <name> <args>` subcommand: its arguments' usage and what it does (the reply)."""

    args: str
    action: ChannelAction


def channel_ref(raw: str) -> int | str | None:
    """A channel as /addchannel takes it: "@name" (kept as text) or a -100… id; None for anything else."""
    if _USERNAME.fullmatch(raw):
        return raw
    return int(raw) if _CHAT_ID.fullmatch(raw) else None


def _add_usage(t: Translator) -> str:
    return t("Usage: {how}", how=t(HOW_TO_ADD))


def _bad_id(raw: str, t: Translator) -> str:
    return t(
        "There is no channel “{channel}”. /channels lists them with their ids.",
        channel=esc(printable(raw)[:32]),
    )


async def _channel_of(services: Services, raw: str) -> Channel | None:
    """The stored channel a typed id names."""
    return await services.store.channels.get(int(raw)) if _CHAT_ID.fullmatch(raw) else None


async def addchannel(update: Update, context: Context) -> None:
    """Add a channel the bot is an administrator of, allowed to post: its editions start."""
    t = await tr(update, context)
    args = context.args or []
    ref = channel_ref(args[0]) if len(args) == 1 else None
    editor = user_id(update)
    if ref is None or editor is None:
        await reply(update, context, _add_usage(t))
        return
    services = context.services
    try:
        info = await services.channels.check(ref)
    except ChannelRefused as exc:
        await reply(update, context, exc.reason(t) + " " + t("Nothing was stored."))
        return
    except TelegramError:
        await reply(update, context, t(NO_TELEGRAM))
        return
    channel, sub = await services.channels.add(info, editor)
    added = t(
        "Added the channel <b>{channel}</b> ({id}): {schedule}.\n"
        "Change it with <code>/channel {id} time HH:MM</code>, <code>timezone Area/City</code>, "
        "<code>layout compact|full</code>, <code>pin on|off</code>, <code>silent on|off</code>; "
        "/channels lists the channels.",
        channel=esc(channel.name),
        id=channel.chat_id,
        schedule=_schedule(services, sub, t),
    )
    await reply(update, context, added)


def _schedule(services: Services, sub: Subscriber, t: Translator) -> str:
    """ "editions every day at 19:00 (UTC), layout compact"."""
    return t(
        "editions every day at {when}, layout {layout}",
        when=when(services, sub),
        layout=t(LAYOUT_NAMES[sub.digest_layout]),
    )


async def list_channels(update: Update, context: Context) -> None:
    """List the channels with their editions' time, zone and layout, pin, silent, last post and state."""
    t = await tr(update, context)
    services = context.services
    channels = await services.store.channels.all()
    if not channels:
        await reply(update, context, t("No channels yet.") + " " + t(HOW_TO_ADD))
        return
    blocks = [t("📣 <b>Channels</b>")]
    for channel in channels:
        sub = await services.store.subscribers.get(channel.chat_id)
        if sub is None:  # every channel has its row (/addchannel makes it): a database edited by hand
            sub = await services.store.subscribers.ensure(channel.chat_id, now=services.clock())
        blocks.append(_describe(services, channel, sub, t))
    await reply(update, context, "\n\n".join(blocks))


def _describe(services: Services, channel: Channel, sub: Subscriber, t: Translator) -> str:
    """One channel of /channels."""
    title = f" ({esc(channel.title)})" if channel.username else ""
    last = f"{channel.last_post_at:%Y-%m-%d %H:%M} UTC" if channel.last_post_at else t("none yet")
    state = t("active") if channel.status == ChannelStatus.ACTIVE else t("⚠️ removed — /addchannel it again")
    lines = [
        f"<code>{channel.chat_id}</code> <b>{esc(channel.name)}</b>{title} — {state}",
        t(
            "{schedule} · pin {pin} · silent {silent}",
            schedule=_schedule(services, sub, t),
            pin=_on(channel.pin, t),
            silent=_on(channel.silent, t),
        ),
        t("last post: {when}", when=last),
    ]
    if channel.last_error:
        lines.append(t("last error: {error}", error=esc(channel.last_error)))
    return "\n".join(lines)


def _on(flag: bool, t: Translator) -> str:
    return t("on") if flag else t("off")


async def removechannel(update: Update, context: Context) -> None:
    """Stop posting editions to a channel and forget it."""
    t = await tr(update, context)
    args = context.args or []
    if len(args) != 1:
        await reply(update, context, t("Usage: <code>/removechannel -100…</code> — /channels lists the ids."))
        return
    services = context.services
    found = await _channel_of(services, args[0])
    channel = await services.channels.remove(found.chat_id) if found is not None else None
    if channel is None:
        await reply(update, context, _bad_id(args[0], t))
        return
    removed = t("Removed the channel <b>{channel}</b>: no more editions there.", channel=esc(channel.name))
    await reply(update, context, removed)


def _times(args: Sequence[str]) -> list[str]:
    """`HH:MM,HH:MM` and `HH:MM HH:MM` alike: one argument per time."""
    return [t for arg in args for t in arg.split(",") if t]


async def _time(services: Services, channel: Channel, args: list[str], t: Translator) -> str:
    """`time HH:MM[,HH:MM…]|default`: /settime's parsing and setter, on the channel."""
    try:
        at = parse_time_args(_times(args))
    except ValueError:
        return time_usage(f"/channel {channel.chat_id} time", t)
    sub = await set_chat_time(services, channel.chat_id, at)
    name, at_when = esc(channel.name), when(services, sub)
    if at is None:
        return t(
            "<b>{channel}</b>'s editions now follow the outlet's default: {when}.", channel=name, when=at_when
        )
    return t("<b>{channel}</b>'s editions are now at {when}.", channel=name, when=at_when)


async def _timezone(services: Services, channel: Channel, args: list[str], t: Translator) -> str:
    """`timezone Area/City|default`: /timezone's parsing and setter, on the channel."""
    try:
        zone = parse_zone_args(args)
    except ValueError:
        return unknown_zone(args, t) + zone_usage(f"/channel {channel.chat_id} timezone", t)
    sub = await set_chat_zone(services, channel.chat_id, zone)
    return t(
        "<b>{channel}</b>'s editions are now at {when}.", channel=esc(channel.name), when=when(services, sub)
    )


async def _layout(services: Services, channel: Channel, args: list[str], t: Translator) -> str:
    """`layout compact|full`: /settings layout's parsing and setter, on the channel."""
    try:
        layout = parse_layout_args(args)
    except ValueError:
        return t("Usage: <code>/channel {id} layout compact|full</code>.", id=channel.chat_id)
    sub = await set_chat_layout(services, channel.chat_id, layout)
    return t(
        "<b>{channel}</b>'s editions now have the <b>{layout}</b> layout.",
        channel=esc(channel.name),
        layout=t(LAYOUT_NAMES[sub.digest_layout]),
    )


# `/channel <id> pin|silent on|off`: what the channel does from now on, and no longer.
_SWITCHED: Final = {
    ("pin", True): N_("<b>{channel}</b> now pins each edition's first message."),
    ("pin", False): N_("<b>{channel}</b> no longer pins each edition's first message."),
    ("silent", True): N_("<b>{channel}</b> now posts editions without a sound."),
    ("silent", False): N_("<b>{channel}</b> no longer posts editions without a sound."),
}


async def _switch(services: Services, channel: Channel, args: list[str], option: str, t: Translator) -> str:
    """`pin on|off` or `silent on|off`; pinning is checked with Telegram first (can_edit_messages)."""
    value = SWITCH.get(args[0].casefold()) if len(args) == 1 else None
    if value is None:
        return t("Usage: <code>/channel {id} {option} on|off</code>.", id=channel.chat_id, option=option)
    if option == "pin" and value:
        try:
            await services.channels.check(channel.chat_id, pin=True)
        except ChannelRefused as exc:
            return exc.reason(t) + " " + t("Pinning stays off.")
        except TelegramError:
            return t(NO_TELEGRAM)
    changed = await services.store.channels.set_options(channel.chat_id, **{option: value})
    return t(_SWITCHED[option, value], channel=esc(changed.name))


async def _pin(services: Services, channel: Channel, args: list[str], t: Translator) -> str:
    """`pin on|off`."""
    return await _switch(services, channel, args, "pin", t)


async def _silent(services: Services, channel: Channel, args: list[str], t: Translator) -> str:
    """`silent on|off`."""
    return await _switch(services, channel, args, "silent", t)


# `/channel <id> <name> <args>`: a name per setting (the editions branch adds `breaking on|off` here).
CHANNEL_SETTINGS: Final[dict[str, ChannelSetting]] = {
    "time": ChannelSetting("HH:MM|default", _time),
    "timezone": ChannelSetting("Area/City|default", _timezone),
    "layout": ChannelSetting("compact|full", _layout),
    "pin": ChannelSetting("on|off", _pin),
    "silent": ChannelSetting("on|off", _silent),
}


def channel_usage(t: Translator) -> str:
    """The usage line of /channel, from the table."""
    options = " | ".join(f"{name} {setting.args}" for name, setting in CHANNEL_SETTINGS.items())
    return t("Usage: /channel &lt;id&gt; {options} — /channels lists the ids.", options=esc(options))


async def channel_command(update: Update, context: Context) -> None:
    """Change one setting of a channel: its editions' time, zone or layout, pin or silent."""
    t = await tr(update, context)
    args = context.args or []
    setting = CHANNEL_SETTINGS.get(args[1].casefold()) if len(args) >= 2 else None
    if setting is None:
        await reply(update, context, channel_usage(t))
        return
    services = context.services
    channel = await _channel_of(services, args[0])
    if channel is None:
        await reply(update, context, _bad_id(args[0], t))
        return
    async with services.chat_locks.hold(channel.chat_id):  # as every change of a chat's settings
        text = await setting.action(services, channel, args[2:], t)
    await reply(update, context, text)
