"""Editors' feed commands /addfeed, /feeds, /removefeed (ADMIN_IDS only: bot.commands); the poll job."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from telegram import Update

from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers.progress import with_progress
from bot.handlers.replies import reply, user_id
from bot.ingest.feeds import MIN_FEED_INTERVAL, interval_of
from bot.ingest.pipeline import clip_title
from bot.services import Services
from bot.storage import Feed

log = logging.getLogger(__name__)

JOB_NAME = "feeds:poll"
ADDFEED_USAGE = "Usage: /addfeed &lt;url&gt;, e.g. /addfeed https://example.com/rss.xml"
REMOVEFEED_USAGE = "Usage: /removefeed &lt;id&gt;, e.g. /removefeed 3 (see /feeds)."
FEED_USAGE = (
    "Usage: /feed &lt;id&gt; name &lt;text&gt; | every &lt;minutes&gt; | pause | resume, "
    "e.g. /feed 3 every 30 (see /feeds)."
)
MAX_FEED_MINUTES: Final = 7 * 24 * 60  # a week
FEED_ACTIONS: Final = frozenset({"name", "every", "pause", "resume"})


def _minutes(interval: timedelta) -> str:
    return f"{interval.total_seconds() / 60:g} minutes"


async def follow(services: Services, url: str, *, added_by: int, title: str = "") -> tuple[Feed, bool, int]:
    """Check a feed (IngestError if it is not one) and follow it, its current entries seen:
    (feed, created, entries); created is False if it was already followed."""
    store, now = services.store, services.clock
    normalized, parsed, etag, last_modified = await services.feeds.read(url)
    name = clip_title(printable(title)) or clip_title(printable(parsed.title)) or clip_title(normalized)
    feed, created = await store.feeds.add(url=normalized, title=name, added_by=added_by, now=now())
    if created:
        await store.feeds.mark_entries_seen(feed.id, [e.key for e in parsed.entries], now())
        await store.feeds.record_success(feed.id, etag=etag, last_modified=last_modified, now=now())
    return feed, created, len(parsed.entries)


async def addfeed(update: Update, context: Context) -> None:
    """Follow an RSS/Atom feed: check it now, skip its current entries, ingest new ones from now on."""
    services = context.services
    args = context.args or []
    if len(args) != 1:
        await reply(update, context, ADDFEED_USAGE)
        return
    url, poller = args[0], services.feeds

    async def work() -> str:
        feed, created, entries = await follow(services, url, added_by=user_id(update) or 0)
        if not created:
            return f"Already following that feed as #{feed.id}: <b>{esc(feed.title)}</b>."
        return (
            f"Following feed #{feed.id}: <b>{esc(feed.title)}</b>\n"
            f"Its {entries} current entries are skipped; new ones are posted as they appear "
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
    lines = [f"<b>Feeds</b> (checked every {_minutes(services.feeds.interval)} unless set otherwise)"]
    for feed in feeds:
        state = "ok" if feed.failures == 0 else f"failing ×{feed.failures}: {esc(feed.last_error or '')}"
        if feed.failures and feed.next_poll_at is not None:
            state += f" — next try {feed.next_poll_at:%Y-%m-%d %H:%M} UTC"
        if feed.poll_minutes is not None:
            state += f" — every {feed.poll_minutes} minutes"
        if feed.paused:
            state = f"⏸ paused (/feed {feed.id} resume) — {state}"
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


def _feed_minutes(raw: str, minimum: int) -> int | None:
    """Whole minutes between the minimum and a week, else None."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        return None
    minutes = int(raw)
    return minutes if minimum <= minutes <= MAX_FEED_MINUTES else None


async def feed_command(update: Update, context: Context) -> None:
    """Change one feed: /feed <id> name <text> | every <minutes> | pause | resume."""
    services = context.services
    args = context.args or []
    raw = args[0].lstrip("#") if args else ""
    action = args[1].lower() if len(args) > 1 else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or action not in FEED_ACTIONS:
        await reply(update, context, FEED_USAGE)
        return
    if await services.store.feeds.get(int(raw)) is None:
        await reply(update, context, f"There is no feed #{raw}. See /feeds.")
        return
    change = {"name": _rename, "every": _every, "pause": _pause, "resume": _resume}[action]
    await reply(update, context, await change(context, int(raw), args[2:]))


async def _rename(context: Context, feed_id: int, words: list[str]) -> str:
    title = clip_title(" ".join(words))
    if not title:
        return f"Usage: /feed {feed_id} name &lt;text&gt;, e.g. /feed {feed_id} name Coastal Times"
    feed = await context.services.store.feeds.change(feed_id, title=title)
    return f"Feed #{feed_id} is now called <b>{esc(_title(feed))}</b>."


async def _every(context: Context, feed_id: int, words: list[str]) -> str:
    least = int(MIN_FEED_INTERVAL.total_seconds() // 60)
    minutes = _feed_minutes(words[0], least) if len(words) == 1 else None
    if minutes is None:
        return (
            f"Usage: /feed {feed_id} every &lt;minutes&gt;, a whole number from {least} "
            f"to {MAX_FEED_MINUTES} (a week), e.g. /feed {feed_id} every 30"
        )
    feed = await context.services.store.feeds.change(feed_id, poll_minutes=minutes)
    every = _minutes(interval_of(feed, context.services.feeds.interval)) if feed else f"{minutes} minutes"
    return f"Feed #{feed_id} <b>{esc(_title(feed))}</b> is now checked every {every}."


async def _pause(context: Context, feed_id: int, words: list[str]) -> str:
    if words:
        return FEED_USAGE
    feed = await context.services.store.feeds.change(feed_id, paused=True)
    name = esc(_title(feed))
    return f"Paused feed #{feed_id} <b>{name}</b>: it is not checked until /feed {feed_id} resume."


async def _resume(context: Context, feed_id: int, words: list[str]) -> str:
    if words:
        return FEED_USAGE
    feed = await context.services.store.feeds.change(feed_id, paused=False)
    return f"Resumed feed #{feed_id} <b>{esc(_title(feed))}</b>: it is checked again from the next round."


def _title(feed: Feed | None) -> str:
    return "" if feed is None else feed.title


async def poll_job(context: Context) -> None:
    """JobQueue callback: poll every due feed."""
    added = await context.services.feeds.poll_all()
    if added:
        log.info("feeds: %d new article(s)", added)
