"""Turning what editors send (text, forwards, links, feeds) into clean, deduplicated, summarized articles."""

from bot.ingest.errors import (
    BlockedURLError,
    BrokenFeedError,
    DuplicateError,
    EmptyTextError,
    FetchError,
    IngestError,
    JunkOnlyError,
    NotAFeedError,
    TooLongError,
    URLTooLongError,
)

__all__ = [
    "BlockedURLError",
    "BrokenFeedError",
    "DuplicateError",
    "EmptyTextError",
    "FetchError",
    "IngestError",
    "JunkOnlyError",
    "NotAFeedError",
    "TooLongError",
    "URLTooLongError",
]
