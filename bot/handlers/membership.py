"""The bot's own membership in a chat (my_chat_member): stop a digest that can't arrive; greet new groups;
a channel where the bot lost the right to post (or was removed) is lost (bot.channels)."""

from __future__ import annotations

import logging
from typing import Final

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.context import Context
from bot.delivery.send import send_html
from bot.handlers.access import GROUP_TYPES
from bot.handlers.replies import chat_tr
from bot.i18n.translator import N_

log = logging.getLogger(__name__)

# "kicked" in a private chat: the user blocked the bot; in a group: the bot was removed or banned.
GONE: Final = frozenset({ChatMemberStatus.BANNED, ChatMemberStatus.LEFT})
GROUP_WELCOME: Final = N_(
    "Hello! I summarize the news our editors post.\n\n"
    "A group admin can send /subscribe to get an evening digest here; /help lists every command; "
    "/language sets the language I write in here."
)


async def my_chat_member(update: Update, context: Context) -> None:
    """Unsubscribe and unschedule a chat that blocked the bot or removed it; greet a group that added it;
    lose a channel where the bot may no longer post."""
    change = update.my_chat_member
    if change is None:
        return
    chat_id = change.chat.id
    if change.chat.type == ChatType.CHANNEL:
        # one of the outlet's channels, demoted or removed: marked, unsubscribed, the editors told once;
        # promoted again: an editor sends /addchannel. (Removed from any channel: unsubscribed below.)
        await context.services.channels.rights_changed(chat_id, change.new_chat_member)
    if change.new_chat_member.status not in GONE:
        # (re)joined or promoted: nothing is resubscribed; a group just added is told how to start
        if change.old_chat_member.status in GONE and change.chat.type in GROUP_TYPES:
            # the operator's way to learn a group's id (e.g. for ALERT_CHAT_ID)
            log.info("added to %s %s (%s)", change.chat.type, chat_id, change.chat.title or "")
            await send_html(context.bot, chat_id, (await chat_tr(context, chat_id))(GROUP_WELCOME))
        return
    services = context.services
    async with services.chat_locks.hold(chat_id):  # a settings change in flight cannot reschedule it
        await services.store.subscribers.mark_blocked(chat_id)
        services.schedule.unschedule(chat_id)
    log.info("chat %s blocked the bot or removed it: its digest is stopped", chat_id)
