"""Editors' commands: /post, /delete and /stats (bot.commands lets only ADMIN_IDS in)."""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import InputFile, Message, MessageEntity, MessageOriginChannel, Update
from telegram.constants import ChatAction

from bot.charts import stats_png
from bot.context import Context
from bot.formatting import NO_SUMMARY, esc, removed_html
from bot.handlers import common
from bot.handlers.access import is_editor
from bot.handlers.progress import with_progress
from bot.handlers.replies import chat_id, reply, thread_of, tr, user_id
from bot.i18n.translator import N_, Translator
from bot.ingest import IngestError
from bot.ingest.fetch import source_url
from bot.ingest.pipeline import MAX_TITLE_CHARS, Draft, Ingested, clip_title

log = logging.getLogger(__name__)

STATS_DAYS = 30
POST_USAGE = N_(
    "Usage: <code>/post Title</code> followed by the article text on the next lines,\n"
    "<code>/post https://…</code> to fetch an article from the web,\n"
    "or reply <code>/post</code> (optionally <code>/post Title</code>) to a pasted or forwarded message."
)
NO_TEXT = N_("The message you replied to has no text to post.")
_URL_ONLY = re.compile(r"^\s*(\S+://\S+)\s*$")


class PostInputError(ValueError):
    """The /post message can't be turned into an article; the message (N_-marked) is the reply, with the
    usage after it."""


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
            raise PostInputError(NO_TEXT)
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


def posted_html(result: Ingested, t: Translator) -> str:
    """The reply for a stored article: id, title, summary, and the furniture lines removed (collapsed)."""
    article = result.article
    posted = t("Posted as #{id}: <b>{title}</b>", id=article.id, title=esc(article.title))
    text = f"{posted}\n\n{esc(article.summary or t(NO_SUMMARY))}"
    return f"{text}\n\n{removed_html(result.removed, t)}" if result.removed else text


async def post_url(update: Update, context: Context, url: str) -> None:
    """Fetch, extract, clean and publish the article at `url` (the caller checked the editor)."""
    services = context.services
    posted_by = user_id(update) or 0
    t = await tr(update, context)

    async def work() -> str:
        return posted_html(await services.ingestor.ingest_url(url, posted_by), t)

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
    t = await tr(update, context)
    try:
        draft = await services.ingestor.prepare(parse_post(message))
    except PostInputError as exc:
        usage = t(POST_USAGE)
        await reply(update, context, usage if str(exc) == POST_USAGE else f"{t(str(exc))}\n\n{usage}")
        return
    except IngestError as exc:
        await reply(update, context, esc(exc.reason(t)))
        return
    posted_by = user_id(update) or 0

    async def work() -> str:
        return posted_html(await services.ingestor.publish(draft, posted_by), t)

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
    t = await tr(update, context)
    args = context.args or []
    raw = args[0].lstrip("#") if len(args) == 1 else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        await reply(update, context, t("Usage: /delete &lt;id&gt;, e.g. /delete 12."))
        return
    if await services.store.articles.delete(int(raw)):
        await services.semantic.forget(int(raw))
        await reply(update, context, t("Deleted article #{id}.", id=raw))
    else:
        await reply(update, context, t("There is no article #{id}.", id=raw))


async def stats(update: Update, context: Context) -> None:
    """Show subscriber, article and digest counts."""
    services = context.services
    t = await tr(update, context)
    now = services.clock()
    s = await services.store.stats.totals(now)
    daily = await services.store.stats.daily(now, days=STATS_DAYS)
    n = t.number
    text = "\n".join(
        [
            t("<b>Statistics</b>"),
            t(
                "Subscribers: {active} active of {total} ({blocked} blocked)",
                active=n(s.subscribers_active),
                total=n(s.subscribers_total),
                blocked=n(s.subscribers_blocked),
            ),
            t(
                "Articles: {total} ({day} in the last 24 h)",
                total=n(s.articles_total),
                day=n(s.articles_last_24h),
            ),
            t(
                "Digests sent: {today} today, {total} in all",
                today=n(s.digests_sent_today),
                total=n(s.digests_sent_total),
            ),
            t.plural(
                "Last {count} day: {articles} articles; digests {sent} sent, {failed} failed, {blocked} "
                "blocked, {skipped} skipped",
                "Last {count} days: {articles} articles; digests {sent} sent, {failed} failed, {blocked} "
                "blocked, {skipped} skipped",
                STATS_DAYS,
                articles=n(sum(daily.articles)),
                sent=n(sum(daily.sent)),
                failed=n(sum(daily.failed)),
                blocked=n(sum(daily.blocked)),
                skipped=n(sum(daily.skipped)),
            ),
            t("Summarizer: {name}", name=esc(services.worker.name)),
        ]
    )
    await context.bot.send_chat_action(chat_id(update), ChatAction.UPLOAD_PHOTO)
    png = await asyncio.to_thread(stats_png, daily, t)  # matplotlib blocks for a fraction of a second
    await context.bot.send_photo(
        chat_id(update),
        InputFile(png, filename="stats.png"),
        caption=text,
        message_thread_id=thread_of(update),
    )
