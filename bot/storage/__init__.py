"""Persistence for articles, subscribers and digest deliveries (SQLite or PostgreSQL)."""

from bot.storage.errors import DuplicateArticleError, StorageError, SubscriberNotFoundError
from bot.storage.hashing import content_hash
from bot.storage.store import Store
from bot.storage.types import Article, Feed, Stats, Subscriber

__all__ = [
    "Article",
    "DuplicateArticleError",
    "Feed",
    "Stats",
    "StorageError",
    "Store",
    "Subscriber",
    "SubscriberNotFoundError",
    "content_hash",
]
