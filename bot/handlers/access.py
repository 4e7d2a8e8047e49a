"""Who may do what, in one place: editors (ADMIN_IDS) post, delete and manage feeds and (in their private
chat) channels; a chat's digest is
changed by anyone in a private chat, in a group by its admins and the outlet's editors, and in any other
chat (a channel, a type Telegram may add) by no one: a channel's buttons are pressed by its viewers; and one
such change at a time per chat (`one_at_a_time`).

A group's subscription, digest time, zone, layout and topics are shared by every member, so only the
group's admins (Telegram's getChatMember: owner or administrator), an anonymous admin posting as the group,
or an editor from ADMIN_IDS may change them. Reading (/latest, /digest, /settings without arguments...) stays
open to all.
"""

from __future__ import annotations

import functools
import logging
from typing import Final

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.context import Context
from bot.handlers.replies import Handler, chat_id, reply, tr, user_id
from bot.i18n.translator import N_

log = logging.getLogger(__name__)

GROUP_TYPES: Final = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
ADMIN_STATUSES: Final = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
REFUSAL: Final = N_("In a group, only its admins can change the group's digest and topics.")


def is_editor(update: Update, context: Context) -> bool:
    """Whether the sender is one of the outlet's editors."""
    return context.services.is_admin(user_id(update))


async def may_change_chat(update: Update, context: Context) -> bool:
    """Tell whether the sender may change this chat's digest settings (asks Telegram in groups).

    Private chats: yes; groups and supergroups: their admins (and editors); anything else: no.
    """
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return True  # no chat: a button under an inline message, whose change goes to the sender's own chat
    if chat.type not in GROUP_TYPES:
        return False  # a channel (any viewer can press its buttons) or a chat type unknown here
    message = update.message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous group admin, writing as the group itself
    sender = user_id(update)
    if sender is None:
        return False
    if context.services.is_admin(sender):
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, sender)
    except TelegramError as exc:  # cannot tell: refuse, the member can ask an admin
        log.warning("getChatMember failed in chat %s: %s", chat.id, exc)
        return False
    return member.status in ADMIN_STATUSES


def editors_only(callback: Handler, action: str) -> Handler:
    """Wrap an editors' command: anyone else is told, in one line, that only editors can `action` (an
    N_-marked phrase, translated here)."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: Context) -> None:
        if not is_editor(update, context):
            t = await tr(update, context)
            # TRANSLATORS: {action} is a phrase such as "post articles" or "see statistics".
            await reply(
                update, context, t("Sorry, only the outlet's editors can {action}.", action=t(action))
            )
            return
        await callback(update, context)

    return guarded


PRIVATE_ONLY: Final = N_("Please send this in your private chat with me.")


def private_only(callback: Handler) -> Handler:
    """Wrap a command used only in the sender's private chat with the bot (editors manage channels
    there): anywhere else it is refused in one line."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            t = await tr(update, context)
            await reply(update, context, t(PRIVATE_ONLY))
            return
        await callback(update, context)

    return guarded


def one_at_a_time(callback: Handler) -> Handler:
    """Wrap a command that changes the chat's settings, topics or job: the chat's changes take turns.

    Updates are handled concurrently; without this, /settime and /timezone sent back to back could each
    schedule the job from its own snapshot (the later-finishing one stale), and concurrent /follows could
    each see room under the topic limit.
    """

    @functools.wraps(callback)
    async def serialized(update: Update, context: Context) -> None:
        async with context.services.chat_locks.hold(chat_id(update)):
            await callback(update, context)

    return serialized


def chat_admins_only(callback: Handler, *, only_with_args: bool = False) -> Handler:
    """Wrap a command that changes the chat's settings; only_with_args: bare use only reads."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: Context) -> None:
        if (context.args or not only_with_args) and not await may_change_chat(update, context):
            await reply(update, context, (await tr(update, context))(REFUSAL))
            return
        await callback(update, context)

    return guarded
