"""RSS/Atom: parse feeds with feedparser and poll followed ones (conditional GET, back-off per feed)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import xml.sax
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

import feedparser

from bot.clock import Clock
from bot.i18n.translator import N_
from bot.ingest.clean import clean_text, html_to_text, looks_like_html
from bot.ingest.errors import BlockedURLError, BrokenFeedError, FetchError, IngestError, NotAFeedError
from bot.ingest.fetch import FEED_TYPES, Fetcher, Page, normalize_url
from bot.ingest.meta import http_url, struct_date
from bot.ingest.pipeline import Draft, Ingestor, Source
from bot.monitoring.alerts import Alerts
from bot.monitoring.metrics import Metrics
from bot.storage import Feed, Store
from bot.storage.models import ETAG_MAX_LENGTH, LAST_MODIFIED_MAX_LENGTH

log = logging.getLogger(__name__)

TEASER_CHARS: Final = 600  # an entry with less cleaned text than this is a teaser: fetch the full page
MAX_BACKOFF: Final = timedelta(hours=24)
MIN_FEED_INTERVAL: Final = timedelta(minutes=5)  # the shortest /feed N every M
# feedparser "bozo" reasons that say nothing about the XML itself (it is read anyway)
_HARMLESS_BOZO: Final = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass(frozen=True)
class FeedEntry:
    """One feed item, reduced to what ingesting needs."""

    key: str
    title: str
    link: str | None
    text: str
    published: datetime | None = None  # the entry's published (else updated) date
    image: str | None = None  # media:content / media:thumbnail / an image enclosure (http/https)


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's title and entries, newest first as published."""

    title: str
    entries: list[FeedEntry]


def _entry_text(entry: Any) -> str:
    """The fullest text an entry carries (content over summary), as plain text."""
    contents = entry.get("content") or []
    values = [str(c.get("value", "")) for c in contents] or [str(entry.get("summary", ""))]
    text = max(values, key=len)
    return html_to_text(text) if looks_like_html(text) or "<" in text else text


def _xml_error(problem: object) -> str:
    """A short description of what is wrong with a feed's XML."""
    if isinstance(problem, xml.sax.SAXParseException):  # its line numbers count a line feedparser adds
        return str(problem.getMessage())
    return str(problem) or type(problem).__name__


def _entry_image(entry: Any) -> str | None:
    """The entry's picture: media:content or media:thumbnail, else an image enclosure (http/https)."""
    candidates = [
        m.get("url")
        for m in entry.get("media_content") or []
        if m.get("medium") == "image" or str(m.get("type", "")).startswith("image/")
    ]
    candidates += [m.get("url") for m in entry.get("media_thumbnail") or []]
    candidates += [
        e.get("href") or e.get("url")
        for e in [*(entry.get("enclosures") or []), *(entry.get("links") or [])]
        if e.get("rel", "enclosure") == "enclosure" and str(e.get("type", "")).startswith("image/")
    ]
    return next((url for url in map(http_url, candidates) if url), None)


def _entry(entry: Any) -> FeedEntry:
    """One parsed entry."""
    link = entry.get("link") or None
    identity = entry.get("id") or link or f"{entry.get('title', '')}|{entry.get('published', '')}"
    key = hashlib.sha256(str(identity).encode("utf-8")).hexdigest()
    published = struct_date(entry.get("published_parsed")) or struct_date(entry.get("updated_parsed"))
    title = str(entry.get("title", "")).strip()
    return FeedEntry(key, title, link, _entry_text(entry), published, _entry_image(entry))


def parse_feed(data: str) -> ParsedFeed:
    """Parse RSS or Atom; raise NotAFeedError for anything else. Never fetches (content is passed in)."""
    # A stream, not a string: given a string, feedparser would fetch URLs and open file paths itself.
    parsed = feedparser.parse(io.BytesIO(data.encode("utf-8")))
    if not parsed.get("version"):
        raise NotAFeedError(N_("That address is not an RSS or Atom feed."))
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and not isinstance(problem, _HARMLESS_BOZO) and not parsed.entries:
        raise BrokenFeedError(
            N_(
                "That feed is broken: its XML can't be read ({problem}), so there are no entries "
                "I could post."
            ),
            problem=_xml_error(problem),
        )
    entries = [_entry(entry) for entry in parsed.entries]
    title = str(parsed.feed.get("title", "")).strip()
    return ParsedFeed(title, entries)


def validators(page: Page) -> tuple[str | None, str | None]:
    """The page's ETag and Last-Modified for the next conditional GET; one too long to store is not used."""
    etag = page.etag if page.etag is not None and len(page.etag) <= ETAG_MAX_LENGTH else None
    modified = page.last_modified
    if modified is not None and len(modified) > LAST_MODIFIED_MAX_LENGTH:
        modified = None
    if (etag, modified) != (page.etag, page.last_modified):
        log.info("%s: an over-long ETag or Last-Modified is not used for conditional GET", page.url)
    return etag, modified


def interval_of(feed: Feed, default: timedelta) -> timedelta:
    """How often this feed is polled: its own interval (/feed N every M), else FEED_POLL_MINUTES."""
    return default if feed.poll_minutes is None else timedelta(minutes=feed.poll_minutes)


def backoff(poll_interval: timedelta, failures: int) -> timedelta:
    """Wait after `failures` consecutive failures: the interval doubled each time, at most a day."""
    factor: int = 2 ** min(failures, 10)
    return min(poll_interval * factor, MAX_BACKOFF)


class FeedPoller:
    """Fetches followed feeds and ingests their new entries through the one pipeline."""

    def __init__(
        self,
        *,
        store: Store,
        fetcher: Fetcher,
        ingestor: Ingestor,
        interval: timedelta,
        clock: Clock,
        metrics: Metrics,
        alerts: Alerts,
    ):
        self.store, self.fetcher, self.ingestor = store, fetcher, ingestor
        self.interval, self.clock = interval, clock
        self._metrics, self._alerts = metrics, alerts

    @property
    def tick(self) -> timedelta:
        """How often the poll job runs: often enough for the shortest interval a feed may have."""
        return min(self.interval, MIN_FEED_INTERVAL)

    def is_due(self, feed: Feed, now: datetime) -> bool:
        """Whether the feed's own interval has passed since its last poll (half a tick of slack, so a
        5-minute feed is polled on every 5-minute tick even though each poll ends a little after it)."""
        if feed.last_polled_at is None:
            return True
        return now - feed.last_polled_at >= interval_of(feed, self.interval) - self.tick / 2

    async def read(self, url: str) -> tuple[str, ParsedFeed, str | None, str | None]:
        """Fetch and parse a feed for /addfeed: (normalized url, feed, etag, last-modified)."""
        normalized = await self.fetcher.check_url(url)
        page = await self.fetcher.fetch(normalized, accept=FEED_TYPES)
        parsed = await asyncio.to_thread(parse_feed, page.text)
        return normalized, parsed, *validators(page)

    async def poll_all(self) -> int:
        """Poll every due feed; a failing feed backs off and never stops the others. Return articles added."""
        added = 0
        now = self.clock()
        for feed in await self.store.feeds.due(now):
            if not self.is_due(feed, now):
                continue
            try:
                added += await self.poll(feed)
            except IngestError as exc:
                await self._failed(feed, str(exc))
            except Exception as exc:  # isolation boundary: one feed's bug must not stop the others
                log.exception("feed #%s failed unexpectedly", feed.id)
                self._metrics.error("feeds")
                await self._failed(feed, f"internal error ({type(exc).__name__})")
            else:
                self._metrics.feed_polls.labels(result="ok").inc()
        return added

    async def _failed(self, feed: Feed, reason: str) -> None:
        """Record a failure and back off."""
        now = self.clock()
        wait = backoff(interval_of(feed, self.interval), feed.failures)
        log.warning("feed #%s (%s) failed: %s; next try in %s", feed.id, feed.url, reason, wait)
        self._metrics.feed_polls.labels(result="failed").inc()
        await self.store.feeds.record_failure(feed.id, error=reason, now=now, next_poll_at=now + wait)
        self._alerts.feed_failing(feed, feed.failures + 1, reason)

    async def poll(self, feed: Feed) -> int:
        """Conditional GET of one feed and ingest of its unseen entries, oldest first."""
        page = await self.fetcher.fetch(
            feed.url, accept=FEED_TYPES, etag=feed.etag, last_modified=feed.last_modified
        )
        if page.not_modified:
            await self.store.feeds.record_success(
                feed.id, etag=None, last_modified=None, now=self.clock(), keep_validators=True
            )
            return 0
        parsed = await asyncio.to_thread(parse_feed, page.text)
        unseen = set(await self.store.feeds.unseen_entries(feed.id, [e.key for e in parsed.entries]))
        added = 0
        for entry in reversed(parsed.entries):
            if entry.key not in unseen:
                continue
            unseen.discard(entry.key)
            if await self._ingest(feed, entry):
                added += 1
            await self.store.feeds.mark_entries_seen(feed.id, [entry.key], self.clock())
        etag, modified = validators(page)
        await self.store.feeds.record_success(feed.id, etag=etag, last_modified=modified, now=self.clock())
        return added

    async def _ingest(self, feed: Feed, entry: FeedEntry) -> bool:
        """Ingest one entry (its full page when it only holds a teaser); False when skipped."""
        link: str | None = None
        if entry.link:
            try:
                link = normalize_url(entry.link)
            except BlockedURLError as exc:  # not http(s), or too long: never fetched, not kept as the source
                log.info("feed #%s: entry link not used (%s)", feed.id, exc)
        draft = Draft(
            entry.title,
            entry.text,
            link,
            source_name=feed.title or None,
            published_at=entry.published,
            image_url=entry.image,
            origin=Source.FEED,
        )
        try:
            if link and len(await asyncio.to_thread(clean_text, entry.text)) < TEASER_CHARS:
                try:
                    full = await self.ingestor.fetch_draft(link)
                    draft = replace(
                        draft,
                        title=entry.title or full.title,
                        body=full.body,
                        source_name=feed.title or full.source_name,
                        published_at=entry.published or full.published_at,
                        image_url=entry.image or full.image_url,
                    )
                except FetchError as exc:
                    log.info(
                        "feed #%s: full text of %s unavailable (%s); using the teaser", feed.id, link, exc
                    )
            result = await self.ingestor.ingest(draft, feed.added_by)
        except IngestError as exc:
            log.info("feed #%s: entry %s skipped: %s", feed.id, entry.link or entry.title, exc)
            return False
        log.info(
            "feed #%s: entry stored as article #%s (%d furniture lines removed)",
            feed.id,
            result.article.id,
            len(result.removed),
            extra={"article_id": result.article.id},
        )
        return True
