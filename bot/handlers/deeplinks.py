"""`/start <payload>`: a channel edition's deep links, opened in the reader's private chat.

"▾ summaries" (`e…`) sends that edition's full text; "👍 N" (`f…`) subscribes the reader and follows stories
like that one. Each says what it did; a link that is malformed, forged or outlived its edition gets a
friendly answer and changes nothing. Payloads are decoded in bot.digest.render only.
"""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ChatType

from bot.context import Context
from bot.digest.preview import edition_articles
from bot.digest.render import EditionLink, FollowLink, decode_payload
from bot.formatting import Reader, esc
from bot.handlers.replies import chat_id, reply
from bot.handlers.subscription import subscribe_chat, when
from bot.handlers.topics import add_topic, story_topic
from bot.storage import Layout, TopicKind

BROKEN: Final = (
    "That link is not one I made, or it is broken — nothing was changed. "
    "Send /start to see what I do, or /latest for the newest stories."
)
NOT_HERE: Final = "Open that link in your private chat with me — nothing was changed."
EDITION_GONE: Final = (
    "That edition is no longer available — nothing was changed. /latest shows the newest stories."
)
STORY_GONE: Final = (
    "That story is no longer available — nothing was changed. /latest shows the newest stories."
)


async def open_link(update: Update, context: Context, payload: str) -> None:
    """Do what a deep link's payload asks, in the reader's private chat."""
    link = decode_payload(payload)
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        await reply(update, context, NOT_HERE)
    elif isinstance(link, FollowLink):
        await _follow(update, context, link)
    elif isinstance(link, EditionLink):
        await _edition(update, context, link)
    else:
        await reply(update, context, BROKEN)


async def _follow(update: Update, context: Context, link: FollowLink) -> None:
    """👍: subscribe the reader's chat (if it is not) and follow stories like the article."""
    services = context.services
    article = await services.store.articles.get(link.article_id)
    if article is None:
        await reply(update, context, STORY_GONE)
        return
    chat = chat_id(update)
    phrase, vector = await story_topic(services, article)
    async with services.chat_locks.hold(chat):  # as every change of the chat's settings and topics
        sub, subscribed = await subscribe_chat(services, chat)
        followed = await add_topic(services, chat, TopicKind.FOLLOW, phrase, vector)
    said = (
        f"Subscribed! Your digest arrives every day at {when(services, sub)}."
        if subscribed
        else f"You are subscribed: your digest arrives at {when(services, sub)}."
    )
    await reply(
        update,
        context,
        f"{said}\n{followed} Stories like it come first in your digest.\n"
        "/settings changes your digest; /unfollow or /unsubscribe undo this.",
    )


async def _edition(update: Update, context: Context, link: EditionLink) -> None:
    """▾ summaries: the full text of the channel's edition, every summary written out."""
    services = context.services
    store = services.store
    channel = await store.channels.get(link.chat_id)
    if channel is None or not await store.ledger.has_delivery(link.chat_id, link.cutoff):
        await reply(update, context, EDITION_GONE)
        return
    articles = await edition_articles(store, link.chat_id, link.cutoff)
    sub = await store.subscribers.get(link.chat_id)
    zone = services.schedule.defaults.zone if sub is None else services.schedule.defaults.zone_of(sub)
    day = link.cutoff.astimezone(ZoneInfo(zone)).date()
    reader = Reader(services.clock(), zone)
    messages = await services.renderer.messages(articles, day, Layout.FULL, [], reader)
    if not messages:
        await reply(update, context, EDITION_GONE)
        return
    await reply(
        update,
        context,
        f"The summaries of <b>{esc(channel.name)}</b>'s edition of {day:%-d %B %Y} "
        f"({len(articles)} article{'s' if len(articles) != 1 else ''}):",
    )
    for message in messages:
        await reply(update, context, message.html, link_preview=message.link_preview)
    await reply(update, context, "Send /subscribe to get a digest like it here every day.")
