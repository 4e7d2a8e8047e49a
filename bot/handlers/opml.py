"""Editors' /exportopml (the feeds as an OPML document) and /importopml (follow an OPML file's feeds)."""

from __future__ import annotations

import io
import logging

from telegram import Document, Update

from bot.context import Context
from bot.formatting import esc
from bot.handlers.feeds import NO_FEEDS, follow
from bot.handlers.progress import with_progress
from bot.handlers.replies import reply, thread_of, tr, user_id
from bot.i18n.translator import N_, Translator
from bot.ingest.errors import IngestError
from bot.ingest.opml import MAX_OPML_BYTES, MAX_OPML_FEEDS, FeedList, OpmlError, parse_opml, render_opml

log = logging.getLogger(__name__)

IMPORT_USAGE = N_(
    "Send an .opml or .xml file with the caption /importopml, or reply /importopml to one "
    "(at most {size} KB and {most} feeds)."
)
NOTHING_ADDED = N_("Nothing was added.")
OPML_SUFFIXES = (".opml", ".xml")
SHOWN = 6  # feeds named per outcome in the reply


async def exportopml(update: Update, context: Context) -> None:
    """Send the followed feeds as an OPML 2.0 document."""
    services = context.services
    t = await tr(update, context)
    feeds = await services.store.feeds.all()
    if not feeds or update.effective_chat is None:
        await reply(update, context, t(NO_FEEDS))
        return
    data = render_opml(feeds, title=f"{services.settings.outlet_name} feeds", now=services.clock())
    await context.bot.send_document(
        update.effective_chat.id,
        io.BytesIO(data),
        filename="feeds.opml",
        caption=t.plural(
            "{count} feed. Import it elsewhere with /importopml.",
            "{count} feeds. Import them elsewhere with /importopml.",
            len(feeds),
        ),
        message_thread_id=thread_of(update),
    )


def _document(update: Update) -> Document | None:
    """The document sent with the command as its caption, or the one the command replies to."""
    message = update.effective_message
    if message is None:
        return None
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    return None if replied is None else replied.document


async def importopml(update: Update, context: Context) -> None:
    """Follow the feeds of an OPML file: each checked like /addfeed, duplicates skipped."""
    t = await tr(update, context)
    usage = t(IMPORT_USAGE, size=t.number(MAX_OPML_BYTES // 1024), most=MAX_OPML_FEEDS)
    document = _document(update)
    if document is None or not (document.file_name or "").lower().endswith(OPML_SUFFIXES):
        await reply(update, context, usage)
        return
    if document.file_size is None or document.file_size > MAX_OPML_BYTES:
        await reply(
            update, context, t("That file is too large: {usage}", usage=usage) + " " + t(NOTHING_ADDED)
        )
        return
    file = await context.bot.get_file(document.file_id)
    try:
        feeds = parse_opml(bytes(await file.download_as_bytearray()))
    except OpmlError as exc:
        await reply(update, context, f"{esc(exc.reason(t))} {t(NOTHING_ADDED)}")
        return
    await with_progress(update, context, lambda: _import(update, context, feeds, t))


async def _import(update: Update, context: Context, feeds: FeedList, t: Translator) -> str:
    """Follow each outline; the reply counts added / skipped / failed and says why (the first few each,
    short enough for one message)."""
    added: list[str] = []
    skipped: list[str] = []
    failed: list[str] = []
    for outline in feeds.outlines:
        try:
            feed, created, _ = await follow(
                context.services, outline.url, added_by=user_id(update) or 0, title=outline.title
            )
        except IngestError as exc:
            failed.append(f"{esc(outline.url[:80])}: {esc(exc.reason(t)[:80])}")
            continue
        (added if created else skipped).append(f"#{feed.id} {esc(feed.title[:80])}")
    counts = t(
        "Added {added}, skipped {skipped} (already followed), failed {failed}.",
        added=len(added),
        skipped=len(skipped),
        failed=len(failed),
    )
    lines = [counts]
    if feeds.listed > len(feeds.outlines):
        lines.append(
            t(
                "The file lists {listed} feeds: only the first {most} were read.",
                listed=feeds.listed,
                most=MAX_OPML_FEEDS,
            )
        )
    for label, items in ((t("Added"), added), (t("Skipped"), skipped), (t("Failed"), failed)):
        if items:
            lines.append(
                f"<b>{label}</b>\n" + "\n".join(items[:SHOWN]) + ("\n…" if len(items) > SHOWN else "")
            )
    return "\n\n".join(lines)
