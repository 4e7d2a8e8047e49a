"""The storage vocabulary: states, layouts and topic kinds as StrEnums, and the plain immutable records
the repositories return (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Final


class DeliveryStatus(StrEnum):
    """Where one chat's digest delivery stands in the ledger."""

    PENDING = "pending"  # planned, not claimed yet
    SENDING = "sending"  # claimed by an instance under a lease
    SENT = "sent"  # every part accepted by Telegram
    FAILED = "failed"  # a part failed within the retry bound; claimed again after DELIVERY_RETRY_AFTER
    BLOCKED = "blocked"  # Telegram answered 403: the chat is unsubscribed
    EMPTY = "empty"  # nothing to send (no new articles, or all muted)
    SKIPPED = "skipped"  # not planned within DIGEST_CATCHUP_HOURS of its time: never sent


# Delivery states nothing changes any more.
FINISHED: Final = frozenset(
    {
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
        DeliveryStatus.BLOCKED,
        DeliveryStatus.EMPTY,
        DeliveryStatus.SKIPPED,
    }
)


class PartStatus(StrEnum):
    """Where one message (part) of a digest delivery stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Layout(StrEnum):
    """How a chat's digest is laid out."""

    COMPACT = "compact"  # numbered headlines, a button per summary
    FULL = "full"  # every summary written out


class ChannelStatus(StrEnum):
    """Whether the bot still posts a channel's editions."""

    ACTIVE = "active"  # the bot is an administrator allowed to post there
    REMOVED = "removed"  # the bot lost its right to post, or was removed: nothing is sent any more


class EditField(StrEnum):
    """What an editor may correct in a stored article."""

    TITLE = "title"
    SUMMARY = "summary"


class TopicKind(StrEnum):
    """What a chat does with stories on a topic."""

    FOLLOW = "follow"  # first in the digest, starred
    MUTE = "mute"  # left out


@dataclass(frozen=True)
class Article:
    """A stored article with its summary."""

    id: int
    title: str
    body: str
    source_url: str | None
    posted_by: int
    created_at: datetime
    summary: str
    summarizer: str
    content_hash: str
    source_name: str = ""
    published_at: datetime | None = None  # the page's or feed entry's date; None: the post time
    image_url: str | None = None  # the lead image (http/https only), never fetched by the bot
    language: str | None = None
    summary_edited_by: int | None = None  # set when an editor wrote the summary

    @property
    def published(self) -> datetime:
        """When the story was published: its own date, else when it was posted."""
        return self.published_at or self.created_at


@dataclass(frozen=True)
class ArticleMeta:
    """What an article carries besides its text: where and when it was published, its picture, language."""

    source_name: str = ""
    published_at: datetime | None = None
    image_url: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Subscriber:
    """A chat's subscription settings; a time or zone of None follows the outlet's default."""

    chat_id: int
    subscribed: bool
    digest_time: time | None
    timezone: str | None
    created_at: datetime
    blocked: bool
    digest_layout: Layout = Layout.COMPACT
    thread_id: int | None = None  # the forum topic the digest goes to (None: the chat / General topic)
    language: str | None = None  # its own choice (/language); None: chosen automatically
    last_language_code: str | None = None  # a private chat's user's Telegram language, as last seen


@dataclass(frozen=True)
class DigestPrefs:
    """What a chat's digest is laid out by: its layout, topics (oldest first) and language columns."""

    layout: Layout = Layout.COMPACT
    topics: list[Topic] = field(default_factory=list)
    language: str | None = None
    last_language_code: str | None = None


@dataclass(frozen=True)
class Channel:
    """An outlet's channel the bot posts editions to; its schedule, zone and layout are its Subscriber's."""

    chat_id: int
    title: str
    username: str | None  # without the @; None for a private channel
    added_by: int
    added_at: datetime
    pin: bool = False  # pin each edition's first message
    silent: bool = False  # post editions without a notification
    status: ChannelStatus = ChannelStatus.ACTIVE
    last_post_at: datetime | None = None
    last_error: str | None = None  # why the bot lost the channel, or why the last pin failed

    @property
    def name(self) -> str:
        """@username, else the title."""
        return f"@{self.username}" if self.username else self.title


@dataclass(frozen=True)
class DigestDefaults:
    """The outlet's digest time and zone (DIGEST_TIME, TIMEZONE), followed by every chat that chose none."""

    at: time = time(19, 0)
    zone: str = "UTC"

    def time_of(self, sub: Subscriber) -> time:
        """The chat's local digest time: its own, else the default."""
        return self.at if sub.digest_time is None else sub.digest_time

    def zone_of(self, sub: Subscriber) -> str:
        """The chat's time zone: its own, else the default."""
        return self.zone if sub.timezone is None else sub.timezone


@dataclass(frozen=True)
class Stats:
    """Aggregate counters for the admin /stats command."""

    subscribers_total: int
    subscribers_active: int
    subscribers_blocked: int
    articles_total: int
    articles_last_24h: int
    digests_sent_total: int
    digests_sent_today: int


@dataclass(frozen=True)
class Feed:
    """A followed RSS/Atom feed and its polling state."""

    id: int
    url: str
    title: str
    added_by: int
    created_at: datetime
    etag: str | None
    last_modified: str | None
    failures: int
    last_error: str | None
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    poll_minutes: int | None = None  # its own interval; None: FEED_POLL_MINUTES
    paused: bool = False


@dataclass(frozen=True)
class Topic:
    """A phrase a subscriber follows or mutes; vector is its float32 embedding bytes, if computed.

    `article_id` is set for a story muted from the digest's button: the vector is that article's, and it
    matches the article and other reports of the same event only (not the subject's neighbourhood).
    """

    id: int
    chat_id: int
    kind: TopicKind
    phrase: str
    vector: bytes | None
    created_at: datetime
    article_id: int | None = None

    @property
    def is_story(self) -> bool:
        """Whether this is one story (muted from its button) rather than a typed topic."""
        return self.article_id is not None


@dataclass(frozen=True)
class DailyStats:
    """Per-day counts for the /stats chart: one entry per UTC day, oldest first."""

    days: list[date]
    subscribers: list[int]
    articles: list[int]
    sent: list[int]
    failed: list[int]
    blocked: list[int]
    skipped: list[int]  # not planned within DIGEST_CATCHUP_HOURS (the bot was down too long)
