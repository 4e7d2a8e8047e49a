"""Inline mode: `@bot words` in any chat offers matching article summaries to share."""

from __future__ import annotations

from typing import Final

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update

from bot.context import Context
from bot.formatting import NO_SUMMARY, Reader, article_html, printable, safe_href
from bot.handlers.reading import reader_of
from bot.storage import Article

PAGE_SIZE: Final = 20  # Telegram accepts at most 50 results per answer
MAX_OFFSET: Final = 200
CACHE_SECONDS: Final = 30
MAX_QUERY_CHARS: Final = 200


def _offset(raw: str) -> int:
    """The page start encoded in the offset string ("" or anything odd means the first page)."""
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) <= MAX_OFFSET else 0


def result_for(article: Article, reader: Reader) -> InlineQueryResultArticle:
    """One shareable result: title, summary as description, the summary message when chosen (its
    dates in the sender's zone and language: the article's own text is as it was written)."""
    summary = " ".join(article.summary.split()) or reader.t(NO_SUMMARY)
    return InlineQueryResultArticle(
        id=f"a{article.id}",
        title=article.title[:200],
        description=summary[:200],
        url=safe_href(article.source_url),
        # parse mode and link previews: the application's Defaults
        input_message_content=InputTextMessageContent(article_html(article, with_meta=True, reader=reader)),
    )


async def on_inline_query(update: Update, context: Context) -> None:
    """Answer an inline query with one page of matching articles (the newest ones for an empty query)."""
    query = update.inline_query
    if query is None:
        return
    services = context.services
    text = printable(query.query).strip()[:MAX_QUERY_CHARS]
    start = _offset(query.offset)
    wanted = start + PAGE_SIZE + 1  # one more than the page tells whether there is a next page
    if text:
        articles = await services.semantic.search(text, limit=wanted)
    else:
        articles = await services.store.articles.latest(wanted)
    page = articles[start : start + PAGE_SIZE]
    more = len(articles) > start + PAGE_SIZE and start + PAGE_SIZE <= MAX_OFFSET
    reader = await reader_of(update, context)
    await query.answer(
        [result_for(a, reader) for a in page],
        cache_time=CACHE_SECONDS,
        is_personal=False,
        # no more pages: omitted (an empty string reaches Telegram as "[]" once the bot has Defaults)
        next_offset=str(start + PAGE_SIZE) if more else None,
    )
