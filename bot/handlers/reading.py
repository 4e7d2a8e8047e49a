"""/latest, /summary, /search and /digest: reading what the editors posted."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.digest.preview import preview
from bot.formatting import article_html, articles_html, esc, printable
from bot.handlers.replies import chat_id, reply
from bot.storage import Layout

LATEST_DEFAULT, LATEST_MAX = 5, 20
SEARCH_LIMIT = 10
MAX_QUERY_CHARS = 200


async def latest(update: Update, context: Context) -> None:
    """Show the n newest articles (default 5, at most 20)."""
    args = context.args or []
    try:
        if len(args) > 1:
            raise ValueError("too many arguments")
        count = int(args[0]) if args else LATEST_DEFAULT
        if not 1 <= count <= LATEST_MAX:
            raise ValueError("out of range")
    except ValueError:
        await reply(update, context, f"Usage: /latest [n] — n between 1 and {LATEST_MAX}, e.g. /latest 3.")
        return
    articles = await context.services.store.articles.latest(count)
    if not articles:
        await reply(update, context, "No articles yet — check back soon.")
        return
    await reply(update, context, articles_html(f"<b>Latest {len(articles)}</b>", articles))


async def summary(update: Update, context: Context) -> None:
    """Show one article's summary by id."""
    args = context.args or []
    raw = args[0].lstrip("#") if len(args) == 1 else ""
    if not raw.isascii() or not raw.isdigit():
        await reply(
            update, context, "Usage: /summary &lt;id&gt; — the number shown as #id, e.g. /summary 12."
        )
        return
    article = await context.services.store.articles.get(int(raw)) if len(raw) <= 18 else None
    if article is None:
        await reply(update, context, f"There is no article #{esc(raw)}. /latest shows the newest ones.")
        return
    await reply(update, context, article_html(article, with_meta=True))


async def search(update: Update, context: Context) -> None:
    """Find stored articles by meaning and by words, most relevant first."""
    query = printable(" ".join(context.args or [])).strip()
    if not query:
        await reply(
            update, context, "Usage: /search &lt;words&gt;, e.g. <code>/search election results</code>."
        )
        return
    query = query[:MAX_QUERY_CHARS]
    results = await context.services.semantic.search(query, limit=SEARCH_LIMIT)
    if not results:
        await reply(update, context, f"Nothing found for “{esc(query)}”. Try fewer or other words.")
        return
    await reply(update, context, articles_html(f"<b>Results for “{esc(query)}”</b>", results))


async def digest_command(update: Update, context: Context) -> None:
    """Show the digest now: what arrived since the last digest (or the last 24 hours)."""
    services = context.services
    chat = chat_id(update)
    sub = await services.store.subscribers.get(chat)
    zone = sub.timezone if sub else services.settings.timezone
    layout = sub.digest_layout if sub else Layout.COMPACT
    messages = await preview(
        services.store, services.renderer, chat, services.clock(), zone=zone, layout=layout
    )
    if not messages:
        await reply(update, context, "Nothing new since your last digest. /latest shows the newest stories.")
        return
    hint = "" if sub is not None and sub.subscribed else "\n\nWant this every evening? Send /subscribe."
    for index, message in enumerate(messages):
        text = message.html + (hint if index == len(messages) - 1 else "")
        await reply(update, context, text, reply_markup=message.keyboard)
