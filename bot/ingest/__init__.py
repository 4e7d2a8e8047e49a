"""Turning what editors send (text, forwards, links, feeds) into clean, deduplicated, summarized articles."""

from bot.ingest.errors import (
    BlockedURLError,
    DuplicateError,
    EmptyTextError,
    FetchError,
    IngestError,
    JunkOnlyError,
    NotAFeedError,
    TooLongError,
)

__all__ = [
    "BlockedURLError",
    "DuplicateError",
    "EmptyTextError",
    "FetchError",
    "IngestError",
    "JunkOnlyError",
    "NotAFeedError",
    "TooLongError",
]
