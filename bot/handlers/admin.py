"""Editors' commands: /post, /delete and /stats (only for ADMIN_IDS)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import InputFile, Message, MessageOriginChannel, Update
from telegram.constants import ChatAction, ParseMode

from bot.charts import stats_png
from bot.formatting import esc
from bot.handlers.replies import Context, chat_id, reply, user_id
from bot.services import Services, get_services
from bot.storage import DuplicateArticleError

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 300
STATS_DAYS = 30
POST_USAGE = (
    "Usage: <code>/post Title</code> followed by the article text on the next lines,\n"
    "or reply <code>/post</code> (optionally <code>/post Title</code>) to a pasted or forwarded message."
)


class PostInputError(ValueError):
    """The /post message can't be turned into an article; the message is the reply."""


@dataclass(frozen=True)
class Draft:
    """An article as an editor submitted it, before summarizing."""

    title: str
    body: str
    source_url: str | None


def _clip_title(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1] + "…"


def _forward_url(message: Message) -> str | None:
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel) and origin.chat.username:
        return f"https://t.me/{origin.chat.username}/{origin.message_id}"
    return None


def parse_post(message: Message) -> Draft:
    """Read title and body from `/post Title\\nbody` or from the message it replies to."""
    text = message.text or ""
    rest = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) == 2 else ""
    first_line, _, remainder = rest.strip().partition("\n")
    source = message.reply_to_message
    if source is not None:
        body = (source.text or source.caption or "").strip()
        if not body:
            raise PostInputError("The message you replied to has no text to post.\n\n" + POST_USAGE)
        title = first_line.strip()
        if not title:
            head, _, tail = body.partition("\n")
            title, body = (
                (head, tail.strip()) if tail.strip() and len(head) <= MAX_TITLE_CHARS else (body, body)
            )
        return Draft(_clip_title(title), body, _forward_url(source))
    if not first_line.strip() or not remainder.strip():
        raise PostInputError(POST_USAGE)
    return Draft(_clip_title(first_line), remainder.strip(), None)


async def _require_admin(update: Update, context: Context, services: Services, action: str) -> bool:
    if services.is_admin(user_id(update)):
        return True
    await reply(update, context, f"Sorry, only the outlet's editors can {action}.")
    return False


async def post(update: Update, context: Context) -> None:
    """Publish an article: summarize it once and store it."""
    services = get_services(context)
    if not await _require_admin(update, context, services, "post articles"):
        return
    assert update.effective_message is not None
    try:
        draft = parse_post(update.effective_message)
    except PostInputError as exc:
        await reply(update, context, str(exc))
        return
    limit = services.settings.max_article_chars
    if len(draft.body) > limit:
        await reply(
            update,
            context,
            f"That article is too long ({len(draft.body):,} characters; the limit is {limit:,}).",
        )
        return
    existing = await services.store.find_duplicate(draft.title, draft.body)
    if existing is not None:
        await reply(update, context, f"Already posted as #{existing.id}: <b>{esc(existing.title)}</b>.")
        return
    await context.bot.send_chat_action(chat_id(update), ChatAction.TYPING)
    summary = await services.worker.summarize(draft.body)
    try:
        article = await services.store.add_article(
            title=draft.title,
            body=draft.body,
            summary=summary,
            summarizer=services.worker.name,
            posted_by=user_id(update) or 0,
            source_url=draft.source_url,
            created_at=services.clock(),
        )
    except DuplicateArticleError as exc:
        await reply(update, context, f"Already posted as #{exc.existing_id}.")
        return
    await services.semantic.index_article(article)  # embedding computed once, at ingestion
    log.info("article #%s posted by %s (%d chars)", article.id, article.posted_by, len(article.body))
    await reply(
        update,
        context,
        f"Posted as #{article.id}: <b>{esc(article.title)}</b>\n\n{esc(summary or '(no summary)')}",
    )


async def delete(update: Update, context: Context) -> None:
    """Remove an article by id."""
    services = get_services(context)
    if not await _require_admin(update, context, services, "delete articles"):
        return
    args = context.args or []
    raw = args[0].lstrip("#") if len(args) == 1 else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        await reply(update, context, "Usage: /delete &lt;id&gt;, e.g. /delete 12.")
        return
    if await services.store.delete_article(int(raw)):
        services.semantic.forget(int(raw))
        await reply(update, context, f"Deleted article #{raw}.")
    else:
        await reply(update, context, f"There is no article #{raw}.")


async def stats(update: Update, context: Context) -> None:
    """Show subscriber, article and digest counts."""
    services = get_services(context)
    if not await _require_admin(update, context, services, "see statistics"):
        return
    now = services.clock()
    s = await services.store.stats(now)
    daily = await services.store.daily_stats(now, days=STATS_DAYS)
    text = (
        "<b>Statistics</b>\n"
        f"Subscribers: {s.subscribers_active} active of {s.subscribers_total}"
        f" ({s.subscribers_blocked} blocked)\n"
        f"Articles: {s.articles_total} ({s.articles_last_24h} in the last 24 h)\n"
        f"Digests sent: {s.digests_sent_today} today, {s.digests_sent_total} in all\n"
        f"Last {STATS_DAYS} days: {sum(daily.articles)} articles; digests {sum(daily.sent)} sent, "
        f"{sum(daily.failed)} failed, {sum(daily.blocked)} blocked\n"
        f"Summarizer: {esc(services.worker.name)}"
    )
    await context.bot.send_chat_action(chat_id(update), ChatAction.UPLOAD_PHOTO)
    png = await asyncio.to_thread(stats_png, daily)  # matplotlib blocks for a fraction of a second
    await context.bot.send_photo(
        chat_id(update), InputFile(png, filename="stats.png"), caption=text, parse_mode=ParseMode.HTML
    )
