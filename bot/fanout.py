"""Digest fan-out: the chats whose jobs fire together are planned as one batch, content built once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.delivery import DeliveryEngine
from bot.digest_layout import DigestMessage, build_digest
from bot.formatting import articles_html, split_message
from bot.semantic import SemanticSearch, from_bytes
from bot.storage import Article, Store
from bot.storage.ledger import Cutoff, PartText, PlannedDigest
from bot.storage.types import Topic

log = logging.getLogger(__name__)

FIRST_DIGEST_WINDOW: Final = timedelta(hours=24)
# An article's created_at is stamped before its INSERT commits (behind other writers, a pool, a lock), so
# the plan of a digest can miss one stamped just before its cut-off. The next digest therefore also takes
# the articles stamped this long before the previous cut-off that its plan had not read (Cutoff).
LOOK_BACK: Final = timedelta(minutes=5)
GATHER_SECONDS: Final = 0.5  # jobs of one minute fire within milliseconds of each other
YIELD_EVERY: Final = 500  # chats planned between two turns of the event loop


def digest_html(articles: list[Article], day: date) -> str:
    """The digest message: a header and one paragraph per article."""
    count = f"{len(articles)} stor{'y' if len(articles) == 1 else 'ies'}"
    return articles_html(f"📰 <b>Your digest for {day:%A, %d %B %Y}</b> — {count}", articles)


class DigestRenderer:
    """Lays out one chat's digest (bot.digest_layout: its topics, merged stories, its layout) as parts."""

    def __init__(self, semantic: SemanticSearch, *, topic_min_similarity: float, merge_min_similarity: float):
        self._semantic = semantic
        self._topic_min, self._merge_min = topic_min_similarity, merge_min_similarity

    async def messages(
        self, articles: list[Article], day: date, layout: str, topics: list[Topic]
    ) -> list[DigestMessage]:
        """The digest messages with their inline keyboards ([] when nothing is left to show)."""
        if not articles:
            return []
        vectors = await self._semantic.vectors_of([a.id for a in articles])
        return build_digest(
            articles,
            vectors,
            [(t, from_bytes(t.vector) if t.vector else None) for t in topics],
            day=day,
            layout=layout,
            topic_min_similarity=self._topic_min,
            merge_min_similarity=self._merge_min,
        )

    async def parts(
        self, articles: list[Article], day: date, layout: str, topics: list[Topic]
    ) -> tuple[PartText, ...]:
        """The messages split to Telegram's limit; a message's keyboard rides on its last chunk."""
        parts: list[PartText] = []
        for message in await self.messages(articles, day, layout, topics):
            chunks = split_message(message.html)
            markup = json.dumps(message.keyboard.to_dict()) if message.keyboard is not None else None
            parts += [PartText(c, markup if i == len(chunks) - 1 else None) for i, c in enumerate(chunks)]
        return tuple(parts)


def window_start(cutoff: Cutoff | None, now: datetime) -> datetime:
    """The time after which a chat's articles may be new: its previous cut-off, less the look-back."""
    if cutoff is None:
        return now - FIRST_DIGEST_WINDOW
    return cutoff.at if cutoff.recent_article_ids is None else cutoff.at - LOOK_BACK


def read_start(cutoffs: Iterable[Cutoff | None], now: datetime) -> datetime:
    """Where one read must start to serve every chat with these cut-offs and see the look-back before now."""
    return min([now - LOOK_BACK, *(window_start(cutoff, now) for cutoff in cutoffs)])


def new_articles(read: list[Article], cutoff: Cutoff | None, now: datetime) -> list[Article]:
    """The articles of `read` a chat's next digest carries, given its latest sent digest's cut-off."""
    start = window_start(cutoff, now)
    if cutoff is None or cutoff.recent_article_ids is None:
        return [a for a in read if a.created_at > start]
    had = cutoff.recent_article_ids
    return [a for a in read if a.created_at > cutoff.at or (a.created_at > start and a.id not in had)]


def recent_article_ids(read: list[Article], now: datetime) -> frozenset[int]:
    """The articles of `read` within the look-back before `now`: the ones the next digests skip."""
    return frozenset(a.id for a in read if a.created_at > now - LOOK_BACK)


async def plan_digests(
    store: Store, chat_ids: Iterable[int], now: datetime, renderer: DigestRenderer | None = None
) -> list[int]:
    """Write today's digest for each due chat into the ledger; return the new deliveries' ids.

    The articles are read once, in one statement (one snapshot: what it saw near `now` is recorded as
    the plan's recent articles, so it must be what every chat's content was cut from). Chats with the
    same previous cut-off, local date, layout and topics get the very same parts: laid out and split
    once per such group, and each part's text is stored once. Without a renderer every chat gets the
    plain full layout.
    """
    due = await store.ledger.due_subscribers(chat_ids)
    if not due:
        return []
    cutoffs = await store.ledger.last_cutoffs(chat for chat, _ in due)
    prefs = await store.digest_preferences([chat for chat, _ in due]) if renderer is not None else {}
    previous: set[Cutoff | None] = {*cutoffs.values(), *([None] if len(cutoffs) < len(due) else [])}
    read = await store.articles_between(read_start(previous, now), now)
    articles = {cutoff: new_articles(read, cutoff, now) for cutoff in previous}
    parts: dict[tuple[object, ...], tuple[PartText, ...]] = {}
    planned: list[PlannedDigest] = []
    for index, (chat_id, zone) in enumerate(due):
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let commands in: 100k chats are a few hundred ms of this loop
        cutoff = cutoffs.get(chat_id)
        day = now.astimezone(ZoneInfo(zone)).date()
        found = articles[cutoff]
        layout, topics = prefs.get(chat_id, ("compact", []))
        key = (cutoff, day, layout, tuple((t.kind, t.phrase) for t in topics))
        if key not in parts:
            if not found:
                parts[key] = ()
            elif renderer is None:
                parts[key] = tuple(PartText(c) for c in split_message(digest_html(found, day)))
            else:
                parts[key] = await renderer.parts(found, day, layout, topics)
        planned.append(PlannedDigest(chat_id, day, now, len(found), parts[key]))
    created = await store.ledger.plan(planned, now, recent_article_ids(read, now))
    log.info("planned %d digest(s) from %d distinct content(s)", len(created), len(parts))
    return created


class FanOut:
    """Collects the chats whose digest jobs fire together and plans them in one batch."""

    def __init__(
        self, store: Store, engine: DeliveryEngine, clock: Clock, renderer: DigestRenderer | None = None
    ) -> None:
        """Plan into `store`'s ledger (laid out by `renderer`) and wake `engine` afterwards."""
        self._store, self._engine, self._clock = store, engine, clock
        self.renderer = renderer
        self._waiting: set[int] = set()
        self._flush: asyncio.Task[None] | None = None

    def request(self, chat_id: int) -> None:
        """A chat's digest is due: plan it with the others due now, shortly."""
        self._waiting.add(chat_id)
        if self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._plan_soon(), name="digest-fanout")

    async def _plan_soon(self) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        chats, self._waiting = self._waiting, set()
        try:
            await plan_digests(self._store, chats, self._clock(), self.renderer)
        except Exception:  # the jobs fire again tomorrow; the error must not pass silently
            log.exception("planning the digest for %d chat(s) failed", len(chats))
            return
        self._engine.kick()

    async def close(self) -> None:
        """Let a batch still gathering be planned (its chats are not lost on a clean stop)."""
        if self._flush is not None:
            await self._flush
