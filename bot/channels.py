"""The outlet's channels beyond their rows: whether the bot may post in a chat (getChat, getChatMember),
adding and removing a channel (its subscriber row and digest job), what follows an edition sent (its
first message pinned, the post recorded), and losing a channel (the bot's rights taken or the bot removed:
marked removed, its editions stopped, the editors told once).

A channel's editions are digests like any chat's: its schedule, zone and layout are its `subscribers`
row, planned and sent through the same ledger and engine (bot.digest, bot.delivery); only its buttons
differ (deep links, bot.digest.render).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from telegram import Bot, ChatMember, ChatMemberAdministrator
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.clock import Clock
from bot.delivery.send import send_html
from bot.digest.schedule import DigestSchedule
from bot.formatting import esc
from bot.i18n.catalog import Catalog
from bot.i18n.translator import N_, ExplainedError, Translator
from bot.locks import ChatLocks
from bot.storage import Channel, Store, Subscriber

log = logging.getLogger(__name__)

POST_RIGHT: Final = N_("“Post messages” (can_post_messages)")
# Pinning in a channel needs the right to edit others' messages (Bot API, pinChatMessage).
EDIT_RIGHT: Final = N_("“Edit messages of others” (can_edit_messages), which pinning in a channel needs")
GONE: Final = frozenset({ChatMemberStatus.BANNED, ChatMemberStatus.LEFT})


class ChannelRefused(ExplainedError):
    """The bot cannot post editions in that chat; the message says exactly why (the editor's reply, in
    their language: `reason(t)`). `phrases` are N_-marked placeholders' values, translated too."""

    def __init__(
        self, message: str, /, *, phrases: dict[str, str] | None = None, detail: str = "", **params: object
    ) -> None:
        """The N_-marked reason, its translated `phrases` and its other placeholders' values."""
        self.phrases = phrases or {}
        super().__init__(message, detail=detail, **params)

    def reason(self, t: Translator) -> str:
        """The reason in `t`'s language, its phrases too."""
        return t(self.message, **self.params, **{k: t(v) for k, v in self.phrases.items()}) + self.detail


@dataclass(frozen=True)
class ChannelInfo:
    """A channel the bot may post in, as Telegram describes it."""

    chat_id: int
    title: str
    username: str | None
    can_edit: bool  # can_edit_messages: pinning is possible

    @property
    def name(self) -> str:
        """@username, else the title."""
        return f"@{self.username}" if self.username else self.title


def missing_right(member: ChatMember, *, pin: bool = False) -> str | None:
    """What keeps the bot (as `member` of a channel) from posting — or, with `pin`, from pinning — there,
    N_-marked English; None when nothing does."""
    if member.status in GONE:
        return N_("I am not a member of it")
    if member.status != ChatMemberStatus.ADMINISTRATOR or not isinstance(member, ChatMemberAdministrator):
        return N_("I am not an administrator of it")
    if not member.can_post_messages:
        return N_("I lack the right “Post messages” (can_post_messages)")
    if pin and not member.can_edit_messages:
        return N_(
            "I lack the right “Edit messages of others” (can_edit_messages), which pinning in a channel needs"
        )
    return None


def _refused(name: str, problem: str, *, pin: bool) -> ChannelRefused:
    """Why the bot can't post (or, with `pin`, pin) in the channel `name`, and which rights to give it."""
    if pin:
        return ChannelRefused(
            N_(
                "I can't pin in the channel {channel}: {problem}. Make me an administrator there with the "
                "rights {right} and {edit_right}, then try again."
            ),
            phrases={"problem": problem, "right": POST_RIGHT, "edit_right": EDIT_RIGHT},
            channel=name,
        )
    return ChannelRefused(
        N_(
            "I can't post in the channel {channel}: {problem}. Make me an administrator there with the right "
            "{right}, then try again."
        ),
        phrases={"problem": problem, "right": POST_RIGHT},
        channel=name,
    )


def lost_html(t: Translator, name: str, chat_id: int, reason: str) -> str:
    """What an editor chat is told of a channel lost (`reason`: English, as stored in its last error)."""
    return t(
        "⚠️ I can no longer post in the channel <b>{channel}</b> ({id}): {reason}.\n"
        "Its editions are stopped. Make me an administrator there allowed to post messages, then send "
        "/addchannel {id}.",
        channel=name,
        id=chat_id,
        reason=esc(reason),
    )


class ChannelService:
    """Checks, adds, removes and loses channels; tells the editors when the bot loses one."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        schedule: DigestSchedule,
        locks: ChatLocks,
        clock: Clock,
        *,
        editor_chats: tuple[int, ...],
        catalog: Catalog | None = None,
    ) -> None:
        """Ask Telegram through `bot`; a channel's row in `store`, its job in `schedule`, changed under its
        lock in `locks`; `editor_chats` (ADMIN_IDS, ALERT_CHAT_ID) hear of a channel lost, each in its
        chat's language from `catalog`."""
        self._bot, self._store, self._schedule, self._locks = bot, store, schedule, locks
        self._clock, self._editor_chats = clock, editor_chats
        self._catalog = catalog or Catalog()

    async def check(self, ref: int | str, *, pin: bool = False) -> ChannelInfo:
        """The channel `ref` (-100… id or @username) if the bot is an administrator allowed to post there
        (and, with `pin`, to pin); ChannelRefused naming what is wrong otherwise. Telegram's other
        failures (timeouts, 5xx) propagate."""
        shown = esc(str(ref))
        try:
            chat = await self._bot.get_chat(ref)
        except (BadRequest, Forbidden) as exc:
            raise ChannelRefused(
                N_(
                    "I can't find the channel {channel} ({error}). Add me to it as an administrator allowed "
                    "to post messages, then try again (a private channel: use its -100… id)."
                ),
                channel=shown,
                error=esc(exc.message),
            ) from None
        name = f"@{esc(chat.username)}" if chat.username else f"“{esc(chat.title or str(chat.id))}”"
        if chat.type != ChatType.CHANNEL:
            raise ChannelRefused(
                N_("{channel} is a {kind} chat, not a channel."), channel=name, kind=esc(chat.type)
            )
        try:
            member = await self._bot.get_chat_member(chat.id, self._bot.id)
        except (BadRequest, Forbidden) as exc:
            raise ChannelRefused(
                N_(
                    "I am not a member of the channel {channel} ({error}): add me as an administrator with "
                    "the right {right}."
                ),
                phrases={"right": POST_RIGHT},
                channel=name,
                error=esc(exc.message),
            ) from None
        problem = missing_right(member, pin=pin)
        if problem is not None:
            raise _refused(name, problem, pin=pin)
        can_edit = isinstance(member, ChatMemberAdministrator) and bool(member.can_edit_messages)
        return ChannelInfo(chat.id, chat.title or str(chat.id), chat.username, can_edit)

    async def add(self, info: ChannelInfo, editor_id: int) -> tuple[Channel, Subscriber]:
        """Store the channel as active, subscribed, its edition job scheduled (a channel removed before
        comes back with its options and schedule)."""
        now = self._clock()
        async with self._locks.hold(info.chat_id):
            channel = await self._store.channels.add(
                info.chat_id, title=info.title, username=info.username, added_by=editor_id, now=now
            )
            await self._store.subscribers.ensure(info.chat_id, now=now)
            sub = await self._store.subscribers.set_subscribed(info.chat_id, True, now=now)
            self._schedule.schedule(sub)
        return channel, sub

    async def remove(self, chat_id: int) -> Channel | None:
        """Forget the channel and stop its editions; the channel removed, or None when there was none."""
        async with self._locks.hold(chat_id):
            channel = await self._store.channels.get(chat_id)
            if channel is None or not await self._store.channels.remove(chat_id):
                return None
            await self._stop(chat_id)
        return channel

    async def _stop(self, chat_id: int) -> None:
        """The channel's subscription off and its job gone (the caller holds its lock)."""
        sub = await self._store.subscribers.get(chat_id)
        if sub is not None and sub.subscribed:
            await self._store.subscribers.set_subscribed(chat_id, False, now=self._clock())
        self._schedule.unschedule(chat_id)

    async def lost(self, chat_id: int, reason: str) -> bool:
        """The bot can no longer post in the channel: mark it removed, stop its editions and tell the
        editors — once: False (nothing done) when it is no active channel."""
        async with self._locks.hold(chat_id):
            if not await self._store.channels.mark_removed(chat_id, reason=reason):
                return False
            await self._stop(chat_id)
            channel = await self._store.channels.get(chat_id)
        name = esc(channel.name) if channel is not None else str(chat_id)
        log.warning("channel %s lost: %s", chat_id, reason)
        for chat in self._editor_chats:  # one that refuses (never started the bot) must not stop the others
            try:
                await send_html(self._bot, chat, lost_html(await self._language(chat), name, chat_id, reason))
            except TelegramError as exc:
                log.warning("the loss of channel %s not told to chat %s: %s", chat_id, chat, exc)
        return True

    async def _language(self, chat: int) -> Translator:
        """An editor chat's language: its choice, else (private) its user's last seen, else BOT_LANGUAGE."""
        sub = await self._store.subscribers.get(chat)
        return self._catalog.for_chat(
            chosen=sub.language if sub else None,
            private=chat > 0,
            sender=None,
            last_seen=sub.last_language_code if sub else None,
        )

    async def rights_changed(self, chat_id: int, member: ChatMember) -> bool:
        """A my_chat_member update in a channel: losing the right to post (or the channel) loses it."""
        problem = missing_right(member)
        if problem is None:
            return False
        if member.status in GONE:
            reason = "I was removed from it"
        elif member.status == ChatMemberStatus.ADMINISTRATOR:
            reason = f"my right {POST_RIGHT} was taken away"
        else:
            reason = "I am no longer an administrator of it"
        return await self.lost(chat_id, reason)

    async def edition_sent(self, chat_id: int, delivery_id: int, pin: bool) -> None:
        """The delivery engine's hook: a channel's edition is out. Pin its first message if asked (without
        a notification); record the post, and a pin Telegram refused as the channel's last error."""
        error = None
        message_id = await self._store.ledger.first_message(delivery_id) if pin else None
        if message_id is not None:
            try:
                await self._bot.pin_chat_message(chat_id, message_id, disable_notification=True)
            except TelegramError as exc:
                error = f"pinning failed: {exc.message}"
                log.warning("could not pin edition %s in channel %s: %s", delivery_id, chat_id, exc)
        await self._store.channels.posted(chat_id, at=self._clock(), error=error)
