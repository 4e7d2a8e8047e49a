"""Ingest exception hierarchy: every error's message is a friendly, plain-text reply for the editor
(`reason(t)` in their language: bot.i18n.translator.ExplainedError).

IngestError
├── EmptyTextError       nothing to post
├── JunkOnlyError        nothing left once page furniture is removed
├── TooLongError         over MAX_ARTICLE_CHARS
├── DuplicateError       the same URL or story is already stored
├── NotAFeedError        /addfeed target is not RSS/Atom
│   └── BrokenFeedError  it claims to be one, but its XML is broken and yields no entries
└── FetchError           a link could not be fetched
    ├── BlockedURLError  refused before any request: not http(s), or private/loopback/reserved (SSRF)
    │   └── URLTooLongError  longer than the database keeps (refused before fetching, not after)
    └── ...              timeouts, HTTP errors, size/type limits, undecodable bytes (FetchError itself)
"""

from __future__ import annotations

from bot.i18n.translator import N_, ExplainedError


class IngestError(ExplainedError):
    """Base class: an article could not be ingested; `reason(t)` is the reason shown to the editor (in
    their language), str(error) the same in English."""


class EmptyTextError(IngestError):
    """The text is empty or whitespace only."""


class JunkOnlyError(IngestError):
    """Only boilerplate (share lines, credits, pleas...) was sent."""


class TooLongError(IngestError):
    """The cleaned article is longer than MAX_ARTICLE_CHARS."""


class DuplicateError(IngestError):
    """The article is already stored (same URL or same normalized text)."""

    def __init__(self, existing_id: int, title: str) -> None:
        """The article already stored."""
        super().__init__(N_("Already posted as #{id}: {title}"), id=str(existing_id), title=title)
        self.existing_id = existing_id
        self.title = title


class NotAFeedError(IngestError):
    """The URL does not serve an RSS or Atom feed."""


class BrokenFeedError(NotAFeedError):
    """The URL serves a feed whose XML is broken, with no entries that could be read."""


class FetchError(IngestError):
    """A URL could not be fetched or its content could not be used."""


class BlockedURLError(FetchError):
    """The URL is refused before any request: not http(s), or a private, loopback or reserved address."""


class URLTooLongError(BlockedURLError):
    """The URL is longer than an article's source or a feed's address may be."""
