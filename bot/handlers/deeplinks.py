"""`/start <payload>`: a channel edition's deep links, opened in the reader's private chat.

"▾ summaries" (`e…`) sends that edition's full text; "👍 N" (`f…`) subscribes the reader and follows stories
like that one. Each says what it did; a link that is malformed, forged or outlived its edition gets a
friendly answer and changes nothing. Payloads are decoded in bot.digest.render only.
"""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import Update
from telegram.constants import ChatType

from bot.context import Context
from bot.digest.preview import edition_articles
from bot.digest.render import EditionLink, FollowLink, decode_payload
from bot.formatting import Reader, esc
from bot.handlers.replies import chat_id, reply, sender_language, tr
from bot.handlers.subscription import subscribe_chat, when
from bot.handlers.topics import add_topic, story_topic
from bot.i18n.translator import N_, Translator
from bot.storage import Layout, TopicKind

BROKEN: Final = N_(
    "That link is not one I made, or it is broken — nothing was changed. "
    "Send /start to see what I do, or /latest for the newest stories."
)
NOT_HERE: Final = N_("Open that link in your private chat with me — nothing was changed.")
EDITION_GONE: Final = N_(
    "That edition is no longer available — nothing was changed. /latest shows the newest stories."
)
STORY_GONE: Final = N_(
    "That story is no longer available — nothing was changed. /latest shows the newest stories."
)


async def open_link(update: Update, context: Context, payload: str) -> None:
    """Do what a deep link's payload asks, in the reader's private chat (and language)."""
    t = await tr(update, context)
    link = decode_payload(payload)
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        await reply(update, context, t(NOT_HERE))
    elif isinstance(link, FollowLink):
        await _follow(update, context, link, t)
    elif isinstance(link, EditionLink):
        await _edition(update, context, link, t)
    else:
        await reply(update, context, t(BROKEN))


async def _follow(update: Update, context: Context, link: FollowLink, t: Translator) -> None:
    """👍: subscribe the reader's chat (if it is not) and follow stories like the article."""
    services = context.services
    article = await services.store.articles.get(link.article_id)
    if article is None:
        await reply(update, context, t(STORY_GONE))
        return
    chat = chat_id(update)
    phrase, vector = await story_topic(services, article)
    async with services.chat_locks.hold(chat):  # as every change of the chat's settings and topics
        sub, subscribed = await subscribe_chat(services, chat, sender_language(update))
        followed = await add_topic(services, chat, TopicKind.FOLLOW, phrase, vector, t)
    said = (
        t("Subscribed! Your digest arrives every day at {when}.", when=when(services, sub))
        if subscribed
        else t("You are subscribed: your digest arrives at {when}.", when=when(services, sub))
    )
    first = t("Stories like it come first in your digest.")
    undo = t("/settings changes your digest; /unfollow or /unsubscribe undo this.")
    await reply(update, context, f"{said}\n{followed} {first}\n{undo}")


async def _edition(update: Update, context: Context, link: EditionLink, t: Translator) -> None:
    """▾ summaries: the full text of the channel's edition, every summary written out, in the reader's
    language."""
    services = context.services
    store = services.store
    channel = await store.channels.get(link.chat_id)
    if channel is None or not await store.ledger.has_delivery(link.chat_id, link.cutoff):
        await reply(update, context, t(EDITION_GONE))
        return
    articles = await edition_articles(store, link.chat_id, link.cutoff)
    sub = await store.subscribers.get(link.chat_id)
    zone = services.schedule.defaults.zone if sub is None else services.schedule.defaults.zone_of(sub)
    day = link.cutoff.astimezone(ZoneInfo(zone)).date()
    reader = Reader(services.clock(), zone, t)
    messages = await services.renderer.messages(articles, day, Layout.FULL, [], reader)
    if not messages:
        await reply(update, context, t(EDITION_GONE))
        return
    intro = t(
        "The summaries of <b>{channel}</b>'s edition of {day} ({articles}):",
        channel=esc(channel.name),
        day=format_date(day, "long", locale=t.locale),
        articles=t.plural("{count} article", "{count} articles", len(articles)),
    )
    await reply(update, context, intro)
    for message in messages:
        await reply(update, context, message.html, link_preview=message.link_preview)
    await reply(update, context, t("Send /subscribe to get a digest like it here every day."))
