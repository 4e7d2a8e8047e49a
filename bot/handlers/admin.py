"""Editors' commands: /post, /delete and /stats (bot.commands lets only ADMIN_IDS in)."""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import InputFile, Message, MessageEntity, MessageOriginChannel, Update
from telegram.constants import ChatAction

from bot.charts import stats_png
from bot.context import Context
from bot.formatting import esc, removed_html
from bot.handlers import common
from bot.handlers.access import is_editor
from bot.handlers.progress import with_progress
from bot.handlers.replies import chat_id, reply, thread_of, user_id
from bot.ingest import IngestError
from bot.ingest.fetch import source_url
from bot.ingest.pipeline import MAX_TITLE_CHARS, Draft, Ingested, clip_title

log = logging.getLogger(__name__)

STATS_DAYS = 30
POST_USAGE = (
    "Usage: <code>/post Title</code> followed by the article text on the next lines,\n"
    "<code>/post https://…</code> to fetch an article from the web,\n"
    "or reply <code>/post</code> (optionally <code>/post Title</code>) to a pasted or forwarded message."
)
_URL_ONLY = re.compile(r"^\s*(\S+://\S+)\s*$")


class PostInputError(ValueError):
    """The /post message can't be turned into an article; the message is the reply."""


def _forward_url(message: Message) -> str | None:
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel) and origin.chat.username:
        return f"https://t.me/{origin.chat.username}/{origin.message_id}"
    return None


def text_with_links(message: Message) -> tuple[str, list[str]]:
    """The message's text (or caption) with each hidden web link written out after its anchor, and the
    links usable as its source (normalized http(s) only: `javascript:` and other schemes are dropped)."""
    text = message.text or message.caption or ""
    entities = message.entities if message.text else message.caption_entities
    units = text.encode("utf-16-le")
    urls: list[str] = []
    inserts: list[tuple[int, str]] = []
    for entity in entities:
        if entity.type == MessageEntity.TEXT_LINK and entity.url:
            if (link := source_url(entity.url)) is not None:
                urls.append(link)
                inserts.append(((entity.offset + entity.length) * 2, f" ({entity.url})"))
        elif entity.type == MessageEntity.URL:
            start = entity.offset * 2
            if (link := source_url(units[start : start + entity.length * 2].decode("utf-16-le"))) is not None:
                urls.append(link)
    for position, addition in sorted(inserts, reverse=True):
        units = units[:position] + addition.encode("utf-16-le") + units[position:]
    return units.decode("utf-16-le"), urls


def parse_post(message: Message) -> Draft:
    """Read title and body from `/post Title\\nbody` or from the message it replies to."""
    text = message.text or ""
    rest = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) == 2 else ""
    first_line, _, remainder = rest.strip().partition("\n")
    source = message.reply_to_message
    if source is not None:
        body, urls = text_with_links(source)
        body = body.strip()
        if not body:
            raise PostInputError("The message you replied to has no text to post.\n\n" + POST_USAGE)
        title = first_line.strip()
        if not title:
            head, _, tail = body.partition("\n")
            title, body = (
                (head, tail.strip()) if tail.strip() and len(head) <= MAX_TITLE_CHARS else (body, body)
            )
        url = _forward_url(source) or next(iter(urls), None)
        return Draft(clip_title(title), body, url)
    if not first_line.strip() or not remainder.strip():
        raise PostInputError(POST_USAGE)
    return Draft(clip_title(first_line), remainder.strip(), None)


def single_url(message: Message) -> str | None:
    """The URL of `/post <url>` (or of a message that is only a URL), else None."""
    text = message.text or ""
    if text.startswith("/"):
        parts = text.split(maxsplit=1)
        text = parts[1] if len(parts) == 2 else ""
    match = _URL_ONLY.match(text)
    return match.group(1) if match else None


def posted_html(result: Ingested) -> str:
    """The reply for a stored article: id, title, summary, and the furniture lines removed (collapsed)."""
    article = result.article
    text = f"Posted as #{article.id}: <b>{esc(article.title)}</b>\n\n{esc(article.summary or '(no summary)')}"
    return f"{text}\n\n{removed_html(result.removed)}" if result.removed else text


async def post_url(update: Update, context: Context, url: str) -> None:
    """Fetch, extract, clean and publish the article at `url` (the caller checked the editor)."""
    services = context.services
    posted_by = user_id(update) or 0

    async def work() -> str:
        return posted_html(await services.ingestor.ingest_url(url, posted_by))

    await with_progress(update, context, work)


async def post(update: Update, context: Context) -> None:
    """Publish an article from text, a replied-to message or a link: clean, summarize once, store."""
    services = context.services
    message = update.effective_message
    if message is None:
        return
    source = message.reply_to_message
    url = single_url(message) if source is None else single_url(source)
    if url is not None:
        await post_url(update, context, url)
        return
    try:
        draft = await services.ingestor.prepare(parse_post(message))
    except (PostInputError, IngestError) as exc:
        await reply(update, context, str(exc) if isinstance(exc, PostInputError) else esc(str(exc)))
        return
    posted_by = user_id(update) or 0

    async def work() -> str:
        return posted_html(await services.ingestor.publish(draft, posted_by))

    await with_progress(update, context, work)


async def link_message(update: Update, context: Context) -> None:
    """A private message that is only a URL: editors get it posted; others get the usual hint."""
    message = update.effective_message
    url = single_url(message) if message is not None else None
    if url is None or not is_editor(update, context):
        await common.plain_text(update, context)  # no fetch on a non-editor's behalf
        return
    await post_url(update, context, url)


async def delete(update: Update, context: Context) -> None:
    """Remove an article by id."""
    services = context.services
    args = context.args or []
    raw = args[0].lstrip("#") if len(args) == 1 else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        await reply(update, context, "Usage: /delete &lt;id&gt;, e.g. /delete 12.")
        return
    if await services.store.articles.delete(int(raw)):
        await services.semantic.forget(int(raw))
        await reply(update, context, f"Deleted article #{raw}.")
    else:
        await reply(update, context, f"There is no article #{raw}.")


async def stats(update: Update, context: Context) -> None:
    """Show subscriber, article and digest counts."""
    services = context.services
    now = services.clock()
    s = await services.store.stats.totals(now)
    daily = await services.store.stats.daily(now, days=STATS_DAYS)
    text = (
        "<b>Statistics</b>\n"
        f"Subscribers: {s.subscribers_active} active of {s.subscribers_total}"
        f" ({s.subscribers_blocked} blocked)\n"
        f"Articles: {s.articles_total} ({s.articles_last_24h} in the last 24 h)\n"
        f"Digests sent: {s.digests_sent_today} today, {s.digests_sent_total} in all\n"
        f"Last {STATS_DAYS} days: {sum(daily.articles)} articles; digests {sum(daily.sent)} sent, "
        f"{sum(daily.failed)} failed, {sum(daily.blocked)} blocked, {sum(daily.skipped)} skipped\n"
        f"Summarizer: {esc(services.worker.name)}"
    )
    await context.bot.send_chat_action(chat_id(update), ChatAction.UPLOAD_PHOTO)
    png = await asyncio.to_thread(stats_png, daily)  # matplotlib blocks for a fraction of a second
    await context.bot.send_photo(
        chat_id(update),
        InputFile(png, filename="stats.png"),
        caption=text,
        message_thread_id=thread_of(update),
    )
