"""/latest, /summary, /search and /digest: reading what the editors posted."""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions, Update
from telegram.error import BadRequest

from bot.context import Context
from bot.digest.preview import preview
from bot.formatting import Reader, article_html, articles_html, esc, printable, visible_len
from bot.handlers.replies import chat_id, reply, thread_of, tr
from bot.storage import Article, Layout

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024  # Telegram's caption limit, in UTF-16 units after entity parsing

LATEST_DEFAULT, LATEST_MAX = 5, 20
SEARCH_LIMIT = 10
MAX_QUERY_CHARS = 200


async def reader_of(update: Update, context: Context) -> Reader:
    """Now, in the chat's digest zone (the default zone for chats that never subscribed) and language."""
    services = context.services
    t = await tr(update, context)
    chat, user = update.effective_chat, update.effective_user
    key = chat.id if chat is not None else (user.id if user is not None else None)  # inline: the user's
    sub = await services.store.subscribers.get(key) if key is not None else None
    defaults = services.schedule.defaults
    return Reader(services.clock(), defaults.zone_of(sub) if sub else defaults.zone, t)


async def latest(update: Update, context: Context) -> None:
    """Show the n newest articles (default 5, at most 20)."""
    reader = await reader_of(update, context)
    t = reader.t
    args = context.args or []
    try:
        if len(args) > 1:
            raise ValueError("too many arguments")
        count = int(args[0]) if args else LATEST_DEFAULT
        if not 1 <= count <= LATEST_MAX:
            raise ValueError("out of range")
    except ValueError:
        await reply(
            update,
            context,
            t("Usage: /latest [n] — n between 1 and {most}, e.g. /latest 3.", most=LATEST_MAX),
        )
        return
    articles = await context.services.store.articles.latest(count)
    if not articles:
        await reply(update, context, t("No articles yet — check back soon."))
        return
    header = t.plural("<b>Latest {count}</b>", "<b>Latest {count}</b>", len(articles))
    await reply(update, context, articles_html(header, articles, reader))


async def summary(update: Update, context: Context) -> None:
    """Show one article's summary by id."""
    reader = await reader_of(update, context)
    t = reader.t
    args = context.args or []
    raw = args[0].lstrip("#") if len(args) == 1 else ""
    if not raw.isascii() or not raw.isdigit():
        await reply(
            update, context, t("Usage: /summary &lt;id&gt; — the number shown as #id, e.g. /summary 12.")
        )
        return
    article = await context.services.store.articles.get(int(raw)) if len(raw) <= 18 else None
    if article is None:
        await reply(
            update, context, t("There is no article #{id}. /latest shows the newest ones.", id=esc(raw))
        )
        return
    await send_article(update, context, article, reader)


async def send_article(update: Update, context: Context, article: Article, reader: Reader) -> None:
    """The article's lead image with its summary as caption when that fits, else text previewing its page."""
    text = article_html(article, with_meta=True, reader=reader)
    chat = chat_id(update)
    if article.image_url and visible_len(text) <= CAPTION_LIMIT:
        try:
            await context.bot.send_photo(
                chat, article.image_url, caption=text, message_thread_id=thread_of(update)
            )  # Telegram fetches it
            return
        except BadRequest as exc:  # Telegram could not get the picture: the text still goes out
            log.info("article #%s: lead image not sent (%s)", article.id, exc.message)
    page = article.source_url or article.image_url
    preview = LinkPreviewOptions(is_disabled=False, url=page, prefer_large_media=True) if page else None
    await reply(update, context, text, link_preview=preview)


async def search(update: Update, context: Context) -> None:
    """Find stored articles by meaning and by words, most relevant first."""
    reader = await reader_of(update, context)
    t = reader.t
    query = printable(" ".join(context.args or [])).strip()
    if not query:
        await reply(
            update, context, t("Usage: /search &lt;words&gt;, e.g. <code>/search election results</code>.")
        )
        return
    query = query[:MAX_QUERY_CHARS]
    results = await context.services.semantic.search(query, limit=SEARCH_LIMIT)
    if not results:
        await reply(
            update, context, t("Nothing found for “{query}”. Try fewer or other words.", query=esc(query))
        )
        return
    header = t("<b>Results for “{query}”</b>", query=esc(query))
    await reply(update, context, articles_html(header, results, reader))


async def digest_command(update: Update, context: Context) -> None:
    """Show the digest now: what arrived since the last digest (or the last 24 hours)."""
    services = context.services
    reader = await reader_of(update, context)
    t = reader.t
    chat = chat_id(update)
    sub = await services.store.subscribers.get(chat)
    layout = sub.digest_layout if sub else Layout.COMPACT
    messages = await preview(services.store, services.renderer, chat, reader, layout=layout)
    if not messages:
        await reply(
            update, context, t("Nothing new since your last digest. /latest shows the newest stories.")
        )
        return
    want = t("Want this every evening? Send /subscribe.")
    hint = "" if sub is not None and sub.subscribed else f"\n\n{want}"
    for index, message in enumerate(messages):
        text = message.html + (hint if index == len(messages) - 1 else "")
        await reply(update, context, text, reply_markup=message.keyboard, link_preview=message.link_preview)
