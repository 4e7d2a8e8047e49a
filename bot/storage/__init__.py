"""Persistence (SQLite or PostgreSQL), by aggregate: `Store` opens the database and holds one repository
each for articles, subscribers, topics, feeds, channels, the digest ledger and the /stats counters."""

from bot.storage.errors import DuplicateArticleError, StorageError, SubscriberNotFoundError
from bot.storage.hashing import content_hash
from bot.storage.store import Store
from bot.storage.types import (
    FINISHED,
    Article,
    Channel,
    ChannelStatus,
    DeliveryStatus,
    Feed,
    Layout,
    PartStatus,
    Stats,
    Subscriber,
    Topic,
    TopicKind,
)

__all__ = [
    "FINISHED",
    "Article",
    "Channel",
    "ChannelStatus",
    "DeliveryStatus",
    "DuplicateArticleError",
    "Feed",
    "Layout",
    "PartStatus",
    "Stats",
    "StorageError",
    "Store",
    "Subscriber",
    "SubscriberNotFoundError",
    "Topic",
    "TopicKind",
    "content_hash",
]
