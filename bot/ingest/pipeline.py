"""The one ingest pipeline for pasted text, forwards, links and feeds: clean, dedupe, summarize, store."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Final

from bot.clock import Clock
from bot.formatting import printable
from bot.ingest.clean import clean_text
from bot.ingest.errors import DuplicateError, EmptyTextError, JunkOnlyError, TooLongError
from bot.ingest.extract import extract_article
from bot.ingest.fetch import Fetcher
from bot.semantic.worker import SummaryWorker
from bot.storage import Article, DuplicateArticleError, Store

log = logging.getLogger(__name__)

MAX_TITLE_CHARS: Final = 300
_BINARY_SHARE: Final = 0.05  # more control/replacement characters than this: not text


@dataclass(frozen=True)
class Draft:
    """An article as submitted, before cleaning and summarizing."""

    title: str
    body: str
    source_url: str | None = None
    published: str | None = None  # the date a fetched page gives, shown to the editor


def clip_title(title: str) -> str:
    """One line, at most MAX_TITLE_CHARS characters."""
    title = " ".join(title.split())
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1] + "…"


def looks_binary(text: str) -> bool:
    """Whether `text` is mostly control or replacement characters (bytes that were never text)."""
    if not text:
        return False
    odd = sum(1 for ch in text if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t"))
    return odd / len(text) > _BINARY_SHARE


class Ingestor:
    """Turns drafts and links into stored, summarized articles, refusing junk and duplicates."""

    def __init__(
        self,
        *,
        store: Store,
        worker: SummaryWorker,
        fetcher: Fetcher,
        max_chars: int,
        clock: Clock,
        on_stored: Callable[[Article], Awaitable[None]] | None = None,
    ) -> None:
        self.store, self.worker, self.fetcher = store, worker, fetcher
        self.max_chars, self.clock = max_chars, clock
        self._on_stored = on_stored  # e.g. compute and store the article's embedding, once

    async def prepare(self, draft: Draft) -> Draft:
        """Clean and validate a draft and make sure it is new; raise an IngestError otherwise."""
        if not draft.body.strip():
            raise EmptyTextError("There is no text to post.")
        if looks_binary(draft.body):
            raise EmptyTextError("That looks like binary data, not an article.")
        draft = replace(draft, title=printable(draft.title), body=printable(draft.body))
        body = await asyncio.to_thread(clean_text, draft.body)
        if not body:
            raise JunkOnlyError(
                "Nothing is left once share buttons, credits, pleas and other page furniture are removed."
            )
        if len(body) > self.max_chars:
            raise TooLongError(
                f"That article is too long ({len(body):,} characters; the limit is {self.max_chars:,})."
            )
        title = clip_title(draft.title) or clip_title(body.partition("\n")[0])
        head, _, rest = body.partition("\n\n")
        if rest and clip_title(head) == title:  # extracted pages repeat their headline as the first line
            body = rest
        if draft.source_url is not None:
            known = await self.store.articles.id_by_url(draft.source_url)
            if known is not None:
                raise DuplicateError(*known)
        existing = await self.store.articles.find_duplicate(title, body)
        if existing is not None:
            raise DuplicateError(existing.id, existing.title)
        return replace(draft, title=title, body=body)

    async def publish(self, draft: Draft, posted_by: int) -> Article:
        """Summarize a prepared draft in the worker thread and store it."""
        summary = await self.worker.summarize(draft.body)
        try:
            article = await self.store.articles.add(
                title=draft.title,
                body=draft.body,
                summary=summary,
                summarizer=self.worker.name,
                posted_by=posted_by,
                source_url=draft.source_url,
                created_at=self.clock(),
            )
        except DuplicateArticleError as exc:  # posted concurrently
            existing = await self.store.articles.get(exc.existing_id)
            raise DuplicateError(exc.existing_id, existing.title if existing else "") from None
        log.info("article #%s stored (by %s, %d chars)", article.id, posted_by, len(article.body))
        if self._on_stored is not None:
            await self._on_stored(article)
        return article

    async def ingest(self, draft: Draft, posted_by: int) -> Article:
        """Prepare and publish a draft."""
        return await self.publish(await self.prepare(draft), posted_by)

    async def fetch_draft(self, url: str) -> Draft:
        """Fetch a link and extract its article into a draft (no fetch if the URL is already stored)."""
        normalized = await self.fetcher.check_url(url)
        known = await self.store.articles.id_by_url(normalized)
        if known is not None:
            raise DuplicateError(*known)
        page = await self.fetcher.fetch(normalized)
        extracted = await asyncio.to_thread(extract_article, page.text, page.url, page.content_type)
        if not extracted.text.strip():
            raise JunkOnlyError("I couldn't find an article on that page.")
        return Draft(extracted.title, extracted.text, normalized, extracted.date)

    async def ingest_url(self, url: str, posted_by: int) -> Article:
        """Fetch, extract, clean, deduplicate, summarize and store the article at `url`."""
        return await self.ingest(await self.fetch_draft(url), posted_by)
