"""Editors' feed commands /addfeed, /feeds, /removefeed (ADMIN_IDS only: bot.commands); the poll job."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from typing import Final

from telegram import Update

from bot.context import Context
from bot.formatting import esc, printable
from bot.handlers.progress import with_progress
from bot.handlers.replies import reply, tr, user_id
from bot.i18n.translator import N_, Translator
from bot.ingest.feeds import MIN_FEED_INTERVAL, interval_of
from bot.ingest.pipeline import clip_title
from bot.services import Services
from bot.storage import Feed

log = logging.getLogger(__name__)

JOB_NAME = "feeds:poll"
ADDFEED_USAGE = N_("Usage: /addfeed &lt;url&gt;, e.g. /addfeed https://example.com/rss.xml")
REMOVEFEED_USAGE = N_("Usage: /removefeed &lt;id&gt;, e.g. /removefeed 3 (see /feeds).")
FEED_USAGE = N_(
    "Usage: /feed &lt;id&gt; name &lt;text&gt; | every &lt;minutes&gt; | pause | resume, "
    "e.g. /feed 3 every 30 (see /feeds)."
)
NO_FEED = N_("There is no feed #{id}. See /feeds.")
NO_FEEDS = N_("No feeds followed yet. Add one with /addfeed &lt;url&gt;.")
MAX_FEED_MINUTES: Final = 7 * 24 * 60  # a week
FEED_ACTIONS: Final = frozenset({"name", "every", "pause", "resume"})


def _minutes(interval: timedelta, t: Translator) -> str:
    """ "15 minutes", in the reader's language (a fraction of a minute is shown as it is)."""
    minutes = interval.total_seconds() / 60
    if minutes.is_integer():
        return t.plural("{count} minute", "{count} minutes", int(minutes))
    shown = f"{minutes:g}"
    return t("{minutes} minutes", minutes=shown)


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
    t = await tr(update, context)
    args = context.args or []
    if len(args) != 1:
        await reply(update, context, t(ADDFEED_USAGE))
        return
    url, poller = args[0], services.feeds

    async def work() -> str:
        feed, created, entries = await follow(services, url, added_by=user_id(update) or 0)
        title, every = esc(feed.title), _minutes(poller.interval, t)
        if not created:
            return t("Already following that feed as #{id}: <b>{title}</b>.", id=feed.id, title=title)
        skipped = t.plural(
            "Its {count} current entry is skipped; new ones are posted as they appear (checked every "
            "{every}).",
            "Its {count} current entries are skipped; new ones are posted as they appear (checked every "
            "{every}).",
            entries,
            every=every,
        )
        return t("Following feed #{id}: <b>{title}</b>", id=feed.id, title=title) + "\n" + skipped

    await with_progress(update, context, work)


async def list_feeds(update: Update, context: Context) -> None:
    """List followed feeds with their health."""
    services = context.services
    t = await tr(update, context)
    feeds = await services.store.feeds.all()
    if not feeds:
        await reply(update, context, t(NO_FEEDS))
        return
    every = _minutes(services.feeds.interval, t)
    lines = [t("<b>Feeds</b> (checked every {every} unless set otherwise)", every=every)]
    lines += [f"#{feed.id} <b>{esc(feed.title)}</b>\n{esc(feed.url)}\n{_health(feed, t)}" for feed in feeds]
    await reply(update, context, "\n\n".join(lines))


def _health(feed: Feed, t: Translator) -> str:
    """How a feed is doing: ok or failing (and when it is tried next), its own interval, paused."""
    if feed.failures == 0:
        state = t("ok")
    else:
        state = t("failing ×{count}: {error}", count=feed.failures, error=esc(feed.last_error or ""))
    if feed.failures and feed.next_poll_at is not None:
        state += " — " + t("next try {when}", when=t.stamp(feed.next_poll_at.astimezone(UTC)))
    if feed.poll_minutes is not None:
        own = t.plural("{count} minute", "{count} minutes", feed.poll_minutes)
        state += " — " + t("every {every}", every=own)
    if feed.paused:
        state = t("⏸ paused (/feed {id} resume)", id=feed.id) + f" — {state}"
    return state


async def removefeed(update: Update, context: Context) -> None:
    """Stop following a feed."""
    services = context.services
    t = await tr(update, context)
    args = context.args or []
    raw = args[0].lstrip("#") if len(args) == 1 else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        await reply(update, context, t(REMOVEFEED_USAGE))
        return
    if await services.store.feeds.remove(int(raw)):
        await reply(update, context, t("Stopped following feed #{id}.", id=raw))
    else:
        await reply(update, context, t(NO_FEED, id=raw))


def _feed_minutes(raw: str, minimum: int) -> int | None:
    """Whole minutes between the minimum and a week, else None."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        return None
    minutes = int(raw)
    return minutes if minimum <= minutes <= MAX_FEED_MINUTES else None


async def feed_command(update: Update, context: Context) -> None:
    """Change one feed: /feed <id> name <text> | every <minutes> | pause | resume."""
    services = context.services
    t = await tr(update, context)
    args = context.args or []
    raw = args[0].lstrip("#") if args else ""
    action = args[1].lower() if len(args) > 1 else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or action not in FEED_ACTIONS:
        await reply(update, context, t(FEED_USAGE))
        return
    if await services.store.feeds.get(int(raw)) is None:
        await reply(update, context, t(NO_FEED, id=raw))
        return
    change = {"name": _rename, "every": _every, "pause": _pause, "resume": _resume}[action]
    await reply(update, context, await change(context, int(raw), args[2:], t))


async def _rename(context: Context, feed_id: int, words: list[str], t: Translator) -> str:
    title = clip_title(" ".join(words))
    if not title:
        return t("Usage: /feed {id} name &lt;text&gt;, e.g. /feed {id} name Coastal Times", id=feed_id)
    feed = await context.services.store.feeds.change(feed_id, title=title)
    return t("Feed #{id} is now called <b>{title}</b>.", id=feed_id, title=esc(_title(feed)))


async def _every(context: Context, feed_id: int, words: list[str], t: Translator) -> str:
    least = int(MIN_FEED_INTERVAL.total_seconds() // 60)
    minutes = _feed_minutes(words[0], least) if len(words) == 1 else None
    if minutes is None:
        return t(
            "Usage: /feed {id} every &lt;minutes&gt;, a whole number from {least} to {most} (a week), "
            "e.g. /feed {id} every 30",
            id=feed_id,
            least=least,
            most=MAX_FEED_MINUTES,
        )
    feed = await context.services.store.feeds.change(feed_id, poll_minutes=minutes)
    interval = interval_of(feed, context.services.feeds.interval) if feed else timedelta(minutes=minutes)
    return t(
        "Feed #{id} <b>{title}</b> is now checked every {every}.",
        id=feed_id,
        title=esc(_title(feed)),
        every=_minutes(interval, t),
    )


async def _pause(context: Context, feed_id: int, words: list[str], t: Translator) -> str:
    if words:
        return t(FEED_USAGE)
    feed = await context.services.store.feeds.change(feed_id, paused=True)
    return t(
        "Paused feed #{id} <b>{title}</b>: it is not checked until /feed {id} resume.",
        id=feed_id,
        title=esc(_title(feed)),
    )


async def _resume(context: Context, feed_id: int, words: list[str], t: Translator) -> str:
    if words:
        return t(FEED_USAGE)
    feed = await context.services.store.feeds.change(feed_id, paused=False)
    return t(
        "Resumed feed #{id} <b>{title}</b>: it is checked again from the next round.",
        id=feed_id,
        title=esc(_title(feed)),
    )


def _title(feed: Feed | None) -> str:
    return "" if feed is None else feed.title


async def poll_job(context: Context) -> None:
    """JobQueue callback: poll every due feed."""
    added = await context.services.feeds.poll_all()
    if added:
        log.info("feeds: %d new article(s)", added)
