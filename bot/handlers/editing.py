"""Editors' corrections: /edit <id> title|summary <text> and /resummarize <id> (editors only, see
bot.commands)."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.formatting import esc
from bot.handlers.replies import reply, tr, user_id
from bot.i18n.translator import N_
from bot.storage.types import EditField

EDIT_USAGE = N_(
    "Usage: <code>/edit &lt;id&gt; title &lt;new title&gt;</code> or "
    "<code>/edit &lt;id&gt; summary &lt;new summary&gt;</code>,\n"
    "e.g. <code>/edit 12 title Budget passed</code>."
)
MAX_SUMMARY_CHARS = 3000  # a summary longer than this is not a summary
STALE_MEANING = N_(
    "(Search by meaning could not be updated — embedding the new text failed, see the log — and "
    "still reads the previous one; the next edit tries again.)"
)
MAX_ID_DIGITS = 18
NO_ARTICLE = N_("There is no article #{id}.")


def _article_id(raw: str) -> int | None:
    """The number of "#12" or "12", else None."""
    raw = raw.lstrip("#")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS else None


async def edit(update: Update, context: Context) -> None:
    """Replace an article's title or summary; the old one is kept in its history."""
    t = await tr(update, context)
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=3) if message is not None else []
    article_id = _article_id(parts[1]) if len(parts) == 4 else None
    field = parts[2].lower() if len(parts) == 4 else ""
    text = parts[3].strip() if len(parts) == 4 else ""
    if field == EditField.TITLE:
        text = " ".join(text.split())  # one line
    if article_id is None or field not in set(EditField) or not text:
        await reply(update, context, t(EDIT_USAGE))
        return
    limit = 300 if field == EditField.TITLE else MAX_SUMMARY_CHARS
    if len(text) > limit:
        too_long = (
            N_("That title is too long ({length} characters; at most {most}).")
            if field == EditField.TITLE
            else N_("That summary is too long ({length} characters; at most {most}).")
        )
        await reply(update, context, t(too_long, length=t.number(len(text)), most=t.number(limit)))
        return
    services = context.services
    article = await services.store.articles.revise(
        article_id, EditField(field), text, by=user_id(update) or 0, now=services.clock()
    )
    if article is None:
        await reply(update, context, t(NO_ARTICLE, id=article_id))
        return
    embedded = await services.semantic.reindex(article.id)  # its title and summary are embedded
    replaced = (
        N_("Article #{id}: title replaced (the old one is kept).")
        if field == EditField.TITLE
        else N_("Article #{id}: summary replaced (the old one is kept).")
    )
    await reply(
        update,
        context,
        f"{t(replaced, id=article.id)}\n\n<b>{esc(article.title)}</b>\n{esc(article.summary)}"
        + ("" if embedded else "\n\n" + t(STALE_MEANING)),
    )


async def resummarize(update: Update, context: Context) -> None:
    """Run the summarizer on an article again (the summary it replaces is kept in its history)."""
    t = await tr(update, context)
    args = context.args or []
    article_id = _article_id(args[0]) if len(args) == 1 else None
    if article_id is None:
        await reply(update, context, t("Usage: /resummarize &lt;id&gt;, e.g. /resummarize 12."))
        return
    services = context.services
    article = await services.store.articles.get(article_id)
    if article is None:
        await reply(update, context, t(NO_ARTICLE, id=article_id))
        return
    summary = await services.worker.summarize(article.body, article.language)
    revised = await services.store.articles.revise(
        article_id, EditField.SUMMARY, summary.text, by=None, now=services.clock(), summarizer=summary.method
    )
    if revised is None:  # deleted meanwhile
        await reply(update, context, t(NO_ARTICLE, id=article_id))
        return
    embedded = await services.semantic.reindex(article_id)
    again = t("Article #{id} summarized again:", id=article_id)
    stale = "" if embedded else "\n\n" + t(STALE_MEANING)
    await reply(update, context, f"{again}\n\n{esc(revised.summary)}{stale}")
