"""Readers report an article (/report <id> [why], or 🚩 on an expanded summary); the editors hear of it."""

from __future__ import annotations

from telegram import Update, User

from bot.context import Context
from bot.delivery.send import send_to_each
from bot.formatting import esc
from bot.handlers.replies import reply
from bot.storage import Article

REPORT_USAGE = "Usage: /report &lt;id&gt; [why], e.g. /report 12 the headline is wrong"
MAX_REASON_CHARS = 500


async def file_report(context: Context, article: Article, reader: User, reason: str) -> str:
    """Store the report (one per reader per article) and tell the editors; the reader's answer."""
    services = context.services
    stored = await services.store.articles.report(
        article.id, reporter_id=reader.id, reason=reason, now=services.clock()
    )
    if not stored:
        return f"You have already reported article #{article.id}, thank you — the editors have it."
    who = esc(reader.full_name) + (f" (@{esc(reader.username)})" if reader.username else "")
    text = (
        f"🚩 Report on article #{article.id} <b>{esc(article.title)}</b>\n"
        f"from {who}, id {reader.id}: {esc(reason) if reason else 'no reason given'}\n"
        f"/summary {article.id} · /edit {article.id} summary … · /delete {article.id}"
    )
    await send_to_each(context.bot, services.settings.editor_chats(), text)
    return f"Thank you: article #{article.id} was reported to the editors."


async def report(update: Update, context: Context) -> None:
    """/report <id> [why]."""
    args = context.args or []
    raw = args[0].lstrip("#") if args else ""
    reader = update.effective_user
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or reader is None:
        await reply(update, context, REPORT_USAGE)
        return
    article = await context.services.store.articles.get(int(raw))
    if article is None:
        await reply(update, context, f"There is no article #{raw}. See /latest.")
        return
    reason = " ".join(args[1:])[:MAX_REASON_CHARS]
    await reply(update, context, await file_report(context, article, reader, reason))
