"""Readers report an article (/report <id> [why], or 🚩 on an expanded summary); the editors hear of it."""

from __future__ import annotations

import logging

from telegram import Update, User
from telegram.error import TelegramError

from bot.context import Context
from bot.delivery.send import send_html
from bot.formatting import esc
from bot.handlers.replies import chat_tr, reply, tr
from bot.i18n.translator import Translator
from bot.storage import Article

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 500


def report_html(article: Article, reader: User, reason: str, t: Translator) -> str:
    """What the editors are told, in their chat's language."""
    who = esc(reader.full_name) + (f" (@{esc(reader.username)})" if reader.username else "")
    return "\n".join(
        [
            t("🚩 Report on article #{id} <b>{title}</b>", id=article.id, title=esc(article.title)),
            t(
                "from {who}, id {user}: {reason}",
                who=who,
                user=reader.id,
                reason=esc(reason) if reason else t("no reason given"),
            ),
            f"/summary {article.id} · /edit {article.id} summary … · /delete {article.id}",
        ]
    )


async def file_report(context: Context, article: Article, reader: User, reason: str, t: Translator) -> str:
    """Store the report (one per reader per article) and tell the editors; the reader's answer (in `t`)."""
    services = context.services
    stored = await services.store.articles.report(
        article.id, reporter_id=reader.id, reason=reason, now=services.clock()
    )
    if not stored:
        return t("You have already reported article #{id}, thank you — the editors have it.", id=article.id)
    for chat in services.settings.editor_chats():
        try:
            text = report_html(article, reader, reason, await chat_tr(context, chat))
            await send_html(context.bot, chat, text)
        except TelegramError as exc:  # an editor who never started the bot must not stop the others
            log.warning("report on article #%s not delivered to chat %s: %s", article.id, chat, exc)
    return t("Thank you: article #{id} was reported to the editors.", id=article.id)


async def report(update: Update, context: Context) -> None:
    """/report <id> [why]."""
    t = await tr(update, context)
    args = context.args or []
    raw = args[0].lstrip("#") if args else ""
    reader = update.effective_user
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or reader is None:
        await reply(
            update, context, t("Usage: /report &lt;id&gt; [why], e.g. /report 12 the headline is wrong")
        )
        return
    article = await context.services.store.articles.get(int(raw))
    if article is None:
        await reply(update, context, t("There is no article #{id}. See /latest.", id=raw))
        return
    reason = " ".join(args[1:])[:MAX_REASON_CHARS]
    await reply(update, context, await file_report(context, article, reader, reason, t))
