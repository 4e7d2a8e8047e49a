"""Editors' feed commands /addfeed, /feeds, /removefeed (ADMIN_IDS only: bot.commands); the poll job."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update

from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers.progress import with_progress
from bot.handlers.replies import reply, user_id
from bot.ingest.pipeline import clip_title

log = logging.getLogger(__name__)

JOB_NAME = "feeds:poll"
ADDFEED_USAGE = "Usage: /addfeed &lt;url&gt;, e.g. /addfeed https://example.com/rss.xml"
REMOVEFEED_USAGE = "Usage: /removefeed &lt;id&gt;, e.g. /removefeed 3 (see /feeds)."


def _minutes(interval: timedelta) -> str:
    return f"{interval.total_seconds() / 60:g} minutes"


async def addfeed(update: Update, context: Context) -> None:
    """Follow an RSS/Atom feed: check it now, skip its current entries, ingest new ones from now on."""
    services = context.services
    args = context.args or []
    if len(args) != 1:
        await reply(update, context, ADDFEED_USAGE)
        return
    url, poller, store = args[0], services.feeds, services.store

    async def work() -> str:
        normalized, parsed, etag, last_modified = await poller.read(url)
        title = clip_title(printable(parsed.title)) or clip_title(
            normalized
        )  # a URL may be longer than a title
        feed, created = await store.feeds.add(
            url=normalized, title=title, added_by=user_id(update) or 0, now=services.clock()
        )
        if not created:
            return f"Already following that feed as #{feed.id}: <b>{esc(feed.title)}</b>."
        await store.feeds.mark_entries_seen(feed.id, [e.key for e in parsed.entries], services.clock())
        await store.feeds.record_success(
            feed.id, etag=etag, last_modified=last_modified, now=services.clock()
        )
        return (
            f"Following feed #{feed.id}: <b>{esc(feed.title)}</b>\n"
            f"Its {len(parsed.entries)} current entries are skipped; new ones are posted as they appear "
            f"(checked every {_minutes(poller.interval)})."
        )

    await with_progress(update, context, work)


async def list_feeds(update: Update, context: Context) -> None:
    """List followed feeds with their health."""
    services = context.services
    feeds = await services.store.feeds.all()
    if not feeds:
        await reply(update, context, "No feeds followed yet. Add one with /addfeed &lt;url&gt;.")
        return
    lines = [f"<b>Feeds</b> (checked every {_minutes(services.feeds.interval)})"]
    for feed in feeds:
        state = "ok" if feed.failures == 0 else f"failing ×{feed.failures}: {esc(feed.last_error or '')}"
        if feed.failures and feed.next_poll_at is not None:
            state += f" — next try {feed.next_poll_at:%Y-%m-%d %H:%M} UTC"
        lines.append(f"#{feed.id} <b>{esc(feed.title)}</b>\n{esc(feed.url)}\n{state}")
    await reply(update, context, "\n\n".join(lines))


async def removefeed(update: Update, context: Context) -> None:
    """Stop following a feed."""
    services = context.services
    args = context.args or []
    raw = args[0].lstrip("#") if len(args) == 1 else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        await reply(update, context, REMOVEFEED_USAGE)
        return
    if await services.store.feeds.remove(int(raw)):
        await reply(update, context, f"Stopped following feed #{raw}.")
    else:
        await reply(update, context, f"There is no feed #{raw}. See /feeds.")


async def poll_job(context: Context) -> None:
    """JobQueue callback: poll every due feed."""
    added = await context.services.feeds.poll_all()
    if added:
        log.info("feeds: %d new article(s)", added)
