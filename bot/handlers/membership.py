"""The bot's own membership in a chat (my_chat_member updates): stop a digest as soon as it can't arrive."""

from __future__ import annotations

import logging
from typing import Final

from telegram import Update
from telegram.constants import ChatMemberStatus

from bot import digest
from bot.handlers.replies import Context
from bot.services import get_services

log = logging.getLogger(__name__)

# "kicked" in a private chat: the user blocked the bot; in a group: the bot was removed or banned.
GONE: Final = frozenset({ChatMemberStatus.BANNED, ChatMemberStatus.LEFT})


async def my_chat_member(update: Update, context: Context) -> None:
    """Unsubscribe and unschedule a chat that blocked the bot or removed it from the group."""
    change = update.my_chat_member
    if change is None or change.new_chat_member.status not in GONE:
        return  # (re)joined or promoted: the chat subscribes again with /subscribe when it wants to
    chat_id = change.chat.id
    await get_services(context).store.mark_blocked(chat_id)
    digest.unschedule(context.application, chat_id)
    log.info("chat %s blocked the bot or removed it: its digest is stopped", chat_id)
