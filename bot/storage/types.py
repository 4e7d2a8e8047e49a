"""Plain immutable records returned by the Store (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final, Literal

TopicKind = Literal["follow", "mute"]
TOPIC_KINDS: Final[frozenset[str]] = frozenset({"follow", "mute"})
DIGEST_LAYOUTS: Final[frozenset[str]] = frozenset({"compact", "full"})


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


@dataclass(frozen=True)
class Subscriber:
    """A chat's subscription settings."""

    chat_id: int
    subscribed: bool
    digest_time: time
    timezone: str
    created_at: datetime
    blocked: bool
    digest_layout: str = "compact"


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


@dataclass(frozen=True)
class Topic:
    """A phrase a subscriber follows or mutes; vector is its float32 embedding bytes, if computed."""

    id: int
    chat_id: int
    kind: str
    phrase: str
    vector: bytes | None
    created_at: datetime


@dataclass(frozen=True)
class DailyStats:
    """Per-day counts for the /stats chart: one entry per UTC day, oldest first."""

    days: list[date]
    subscribers: list[int]
    articles: list[int]
    sent: list[int]
    failed: list[int]
    blocked: list[int]
