"""The one ingest pipeline for pasted text, forwards, links and feeds: clean, dedupe, summarize, store."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from bot.clock import Clock
from bot.formatting import printable
from bot.i18n.translator import N_
from bot.ingest.clean import clean
from bot.ingest.errors import DuplicateError, EmptyTextError, JunkOnlyError, TooLongError
from bot.ingest.extract import extract_article
from bot.ingest.fetch import Fetcher, source_url
from bot.ingest.meta import LanguageDetector, http_url, parse_date, source_name
from bot.monitoring.metrics import Metrics
from bot.semantic.worker import SummaryWorker
from bot.storage import Article, DuplicateArticleError, Store
from bot.storage.types import ArticleMeta

log = logging.getLogger(__name__)

MAX_TITLE_CHARS: Final = 300
JUNK_LINES_SHOWN: Final = 10  # removed lines listed in the "nothing is left" reply
DEFAULT_OUTLET: Final = "Newsroom"  # the OUTLET_NAME setting's default
_BINARY_SHARE: Final = 0.05  # more control/replacement characters than this: not text


class Source(StrEnum):
    """Where an article came from (`newsbot_articles_ingested_total{source}`)."""

    PASTE = "paste"  # /post with text, or a reply to a pasted or forwarded message
    LINK = "link"  # /post <url> or a message that is only a link: the page fetched
    FEED = "feed"  # a followed feed's entry


@dataclass(frozen=True)
class Draft:
    """An article as submitted, before cleaning and summarizing."""

    title: str
    body: str
    source_url: str | None = None
    published: str | None = None  # the date a fetched page gives, shown to the editor
    source_name: str | None = None  # the feed's title or the page's site name; None: OUTLET_NAME
    published_at: datetime | None = None  # the page's or entry's date; None: the post time
    image_url: str | None = None  # the lead image (http/https), stored as a link, never fetched
    removed: tuple[str, ...] = ()  # the lines cleaning took out as page furniture (set by prepare)
    origin: Source = Source.PASTE


@dataclass(frozen=True)
class Ingested:
    """The result of ingesting: the stored article and the lines removed from its text as page furniture."""

    article: Article
    removed: tuple[str, ...] = ()


def clip_title(title: str) -> str:
    """One line, at most MAX_TITLE_CHARS characters."""
    title = " ".join(title.split())
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1] + "…"


def junk_only(removed: tuple[str, ...]) -> JunkOnlyError:
    """The editor's reply when cleaning removed every line: which lines looked like furniture."""
    shown = [f"• {clip_title(line)}" for line in removed[:JUNK_LINES_SHOWN]]
    if len(removed) > JUNK_LINES_SHOWN:
        shown.append(f"… (+{len(removed) - JUNK_LINES_SHOWN})")
    return JunkOnlyError(
        N_(
            "Nothing is left once share buttons, credits, pleas and other page furniture are removed. "
            "Lines removed ({count}):"
        ),
        count=len(removed),
        detail="\n" + "\n".join(shown),
    )


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
        metrics: Metrics,
        on_stored: Callable[[Article], Awaitable[None]] | None = None,
        outlet_name: str = DEFAULT_OUTLET,
        languages: LanguageDetector | None = None,
    ) -> None:
        self.store, self.worker, self.fetcher = store, worker, fetcher
        self.max_chars, self.clock, self.metrics = max_chars, clock, metrics
        self.outlet_name = outlet_name  # the source of pasted text
        self.languages = languages  # None: languages are not detected
        self._on_stored = on_stored  # e.g. compute and store the article's embedding, once
        for source in Source:  # every source is exported from the start, at 0
            metrics.articles_ingested.labels(source=source)

    async def prepare(self, draft: Draft) -> Draft:
        """Clean and validate a draft and make sure it is new; raise an IngestError otherwise."""
        if not draft.body.strip():
            raise EmptyTextError(N_("There is no text to post."))
        if looks_binary(draft.body):
            raise EmptyTextError(N_("That looks like binary data, not an article."))
        draft = replace(draft, title=printable(draft.title), body=printable(draft.body))
        cleaned = await asyncio.to_thread(clean, draft.body)
        body = cleaned.text
        if not body:
            raise junk_only(cleaned.removed)
        if len(body) > self.max_chars:
            raise TooLongError(
                N_("That article is too long ({length} characters; the limit is {most})."),
                length=len(body),
                most=self.max_chars,
            )
        title = clip_title(draft.title) or clip_title(body.partition("\n")[0])
        head, _, rest = body.partition("\n\n")
        if rest and clip_title(head) == title:  # extracted pages repeat their headline as the first line
            body = rest
        # Only a normalized http(s) link that fits its column is ever kept as the source (no `javascript:`).
        source = source_url(draft.source_url) if draft.source_url is not None else None
        if source is not None:
            known = await self.store.articles.id_by_url(source)
            if known is not None:
                raise DuplicateError(*known)
        existing = await self.store.articles.find_duplicate(title, body)
        if existing is not None:
            raise DuplicateError(existing.id, existing.title)
        return replace(draft, title=title, body=body, source_url=source, removed=cleaned.removed)

    async def publish(self, draft: Draft, posted_by: int) -> Ingested:
        """Summarize a prepared draft in the worker thread and store it."""
        language = await self._language(draft)  # first: it decides how the article is summarized
        summary = await self.worker.summarize(draft.body, language)
        now = self.clock()
        meta = ArticleMeta(
            source_name=draft.source_name or self.outlet_name,
            published_at=min(draft.published_at, now) if draft.published_at else None,  # none from the future
            image_url=http_url(draft.image_url),
            language=language,
        )
        try:
            article = await self.store.articles.add(
                title=draft.title,
                body=draft.body,
                summary=summary.text,
                summarizer=summary.method,
                posted_by=posted_by,
                source_url=draft.source_url,
                created_at=now,
                meta=meta,
            )
        except DuplicateArticleError as exc:  # posted concurrently
            existing = await self.store.articles.get(exc.existing_id)
            raise DuplicateError(exc.existing_id, existing.title if existing else "") from None
        log.info(
            "article #%s stored (by %s, %d chars, %d furniture lines removed)",
            article.id,
            posted_by,
            len(article.body),
            len(draft.removed),
            extra={"article_id": article.id},
        )
        self.metrics.articles_ingested.labels(source=draft.origin).inc()
        if self._on_stored is not None:
            await self._on_stored(article)
        return Ingested(article, draft.removed)

    async def _language(self, draft: Draft) -> str | None:
        """The draft's language, detected in a worker thread."""
        if self.languages is None:
            return None
        return await asyncio.to_thread(self.languages.detect, f"{draft.title}\n{draft.body}")

    async def ingest(self, draft: Draft, posted_by: int) -> Ingested:
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
            raise JunkOnlyError(N_("I couldn't find an article on that page."))
        return Draft(
            extracted.title,
            extracted.text,
            normalized,
            extracted.date,
            source_name=source_name(extracted.sitename),
            published_at=parse_date(extracted.date),
            image_url=http_url(extracted.image),
            origin=Source.LINK,
        )

    async def ingest_url(self, url: str, posted_by: int) -> Ingested:
        """Fetch, extract, clean, deduplicate, summarize and store the article at `url`."""
        return await self.ingest(await self.fetch_draft(url), posted_by)
