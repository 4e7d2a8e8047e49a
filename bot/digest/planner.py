"""Digest planning: the chats whose jobs fire together are planned as one batch, content built once per
distinct (cut-off, day, layout, topics) and written to the ledger for the delivery engine.

No digest is lost to a failure while planning: a batch whose planning fails (the database unreachable, a
lock timeout) is planned again with backoff until it is; content that cannot be laid out costs only the
article at fault (left out) or the chats that share that content (left for the sweep), never the batch.
A digest planned more than the catch-up after its time is recorded as skipped instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.clock import Clock
from bot.delivery.engine import DeliveryEngine
from bot.digest.render import ChannelEdition, DigestRenderer
from bot.digest.selection import new_articles, read_start, recent_article_ids
from bot.formatting import Reader
from bot.i18n.catalog import Catalog
from bot.monitoring.alerts import Alerts
from bot.monitoring.metrics import Metrics
from bot.storage import Store
from bot.storage.ledger import Cutoff, PartText, PlannedDigest
from bot.storage.types import Article, Channel, DigestDefaults, DigestPrefs, Layout, Topic

log = logging.getLogger(__name__)

GATHER_SECONDS: Final = 0.5  # jobs of one minute fire within milliseconds of each other
YIELD_EVERY: Final = 500  # chats planned between two turns of the event loop
RETRY_FIRST: Final = 1.0  # seconds before planning a failed batch again; doubles per failure...
RETRY_CAP: Final = 60.0  # ...up to this
# Failures of the database itself (or the way to it): the whole batch is tried again, never one chat
# or article blamed for them.
TRANSIENT: Final = (SQLAlchemyError, OSError, TimeoutError)

# (cut-off, day, zone, language, layout, topics, channel edition): chats with one key get the same parts
ContentKey = tuple[object, ...]
Content = tuple[tuple[PartText, ...], int]  # the parts and how many articles they carry


@dataclass(frozen=True)
class Look:
    """How one content group is laid out: its local date, layout, topics, reader and channel edition."""

    day: date
    layout: Layout
    topics: list[Topic]
    reader: Reader
    edition: ChannelEdition | None = None


def reason_of(exc: BaseException) -> str:
    """A one-line account of a failure for the log and the ledger (a driver's error without the SQL and
    its parameters, which carry digest texts)."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}"[:300]


class DigestPlanner:
    """Writes due chats' digests into the ledger, laid out by the renderer."""

    def __init__(
        self,
        store: Store,
        renderer: DigestRenderer,
        metrics: Metrics,
        defaults: DigestDefaults | None = None,
        catalog: Catalog | None = None,
        *,
        bot_username: str = "",
    ) -> None:
        """Read and write through `store`; lay out with `renderer`; count what is planned in `metrics`;
        chats without a zone follow `defaults`; each digest is written in its chat's language from
        `catalog` (its /language, else its user's Telegram language last seen, else BOT_LANGUAGE; a
        channel: its stored language, else BOT_LANGUAGE); a channel's edition links to the bot
        `bot_username`."""
        self.store, self.renderer, self._metrics = store, renderer, metrics
        self.defaults = defaults or DigestDefaults()
        self.catalog = catalog or Catalog()
        self.bot_username = bot_username

    def _edition(self, channel: Channel | None, now: datetime) -> ChannelEdition | None:
        """The render input of a channel's edition cut at `now` (None: not a channel)."""
        if channel is None:
            return None
        return ChannelEdition(self.bot_username, channel.chat_id, now, pin=channel.pin, silent=channel.silent)

    async def plan(
        self, chat_ids: Iterable[int], now: datetime, *, due_at: Mapping[int, datetime] | None = None
    ) -> list[int]:
        """Write today's digest for each due chat into the ledger; return the new deliveries' ids.

        `now` is the content cut-off; a chat's digest date is the local date of its time in `due_at`
        (when its digest was due; `now` for a chat not in it), so a digest planned late keeps its day.
        The articles are read once, in one statement (one snapshot: what it saw near `now` is recorded
        as the plan's recent articles, so it must be what every chat's content was cut from). Chats with
        the same previous cut-off, local date, language, layout and topics get the very same parts: laid
        out and split once per such group, and each part's text is stored once (a channel's edition is its
        own: its links name it). A chat whose content cannot be laid out is logged and left out (the sweep
        tries it again); database errors fail the whole call.
        """
        store, due_at = self.store, due_at or {}
        due = await store.subscribers.due(chat_ids)
        if not due:
            return []
        cutoffs = await store.ledger.last_cutoffs(chat for chat, _ in due)
        prefs = await store.subscribers.digest_preferences([chat for chat, _ in due])
        channels = await store.channels.active_among(chat for chat, _ in due)
        previous: set[Cutoff | None] = {*cutoffs.values(), *([None] if len(cutoffs) < len(due) else [])}
        read = await store.articles.between(read_start(previous, now), now)
        articles = {cutoff: new_articles(read, cutoff, now) for cutoff in previous}
        contents: dict[ContentKey, Content | None] = {}  # None: could not be laid out
        faulty: set[int] = set()  # articles found to fail on their own: left out of every content
        planned: list[PlannedDigest] = []
        failed: list[int] = []
        for index, (chat_id, zone) in enumerate(due):
            if index % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let commands in: 100k chats are a few hundred ms of this loop
            cutoff, local = cutoffs.get(chat_id), zone or self.defaults.zone
            day = due_at.get(chat_id, now).astimezone(ZoneInfo(local)).date()
            pref = prefs.get(chat_id, DigestPrefs())
            t = self.catalog.for_chat(
                chosen=pref.language, private=chat_id > 0, sender=None, last_seen=pref.last_language_code
            )
            edition = self._edition(channels.get(chat_id), now)
            topics = tuple((topic.kind, topic.phrase) for topic in pref.topics)
            # the zone too: an item older than a day shows its local date ("3 h ago" is the same anywhere)
            key = (cutoff, day, local, t.code, pref.layout, topics, edition)
            if key not in contents:
                look = Look(day, pref.layout, pref.topics, Reader(now, local, t), edition)
                contents[key] = await self._content(articles[cutoff], look, faulty)
            content = contents[key]
            if content is None:
                failed.append(chat_id)
                continue
            planned.append(PlannedDigest(chat_id, day, now, content[1], content[0]))
        created = await store.ledger.plan(planned, now, recent_article_ids(read, now))
        self._metrics.digests_planned.inc(len(created))
        log.info("planned %d digest(s) from %d distinct content(s)", len(created), len(contents))
        if failed:
            _log_unplanned(failed)
        return created

    async def _parts(self, articles: list[Article], look: Look) -> tuple[PartText, ...]:
        """The renderer's parts of these articles, laid out as `look` says."""
        return await self.renderer.parts(
            articles, look.day, look.layout, look.topics, look.reader, look.edition
        )

    async def _content(self, found: list[Article], look: Look, faulty: set[int]) -> Content | None:
        """The parts of one content group without the `faulty` articles, finding (and adding) those
        that cannot be laid out on their own; None when the group fails without one article to blame
        (e.g. a chat's own topic). Database errors propagate."""
        found = [a for a in found if a.id not in faulty]
        if not found:
            return (), 0
        try:
            return await self._parts(found, look), len(found)
        except TRANSIENT:
            raise
        except Exception as exc:  # a bug or bad data in one article must not sink the batch: find it
            log.error("a digest of %d article(s) could not be laid out (%s)", len(found), reason_of(exc))
        faults = {a.id: fault for a in found if (fault := await self._fault(a, look))}
        if not faults or len(faults) == len(found):  # not one article's fault (e.g. the chats' topics)
            return None
        for article_id, fault in faults.items():
            log.error("digest planning: article #%d left out of the digest (%s)", article_id, fault)
        faulty.update(faults)
        kept = [a for a in found if a.id not in faults]
        try:
            return await self._parts(kept, look), len(kept)
        except TRANSIENT:
            raise
        except Exception as exc:  # the rest fails too: it is not one article's fault
            log.error("the digest without the articles at fault failed too (%s)", reason_of(exc))
            return None

    async def _fault(self, article: Article, look: Look) -> str | None:
        """Why the article alone cannot be laid out, or None when it can."""
        try:
            await self._parts([article], look)
        except TRANSIENT:
            raise
        except Exception as exc:  # the isolation boundary: anything this one article makes fail
            return reason_of(exc)
        return None

    async def skip(self, late: Mapping[int, datetime], now: datetime, reason: str) -> int:
        """Record the digests of these chats, due at these times, as skipped (each on its local date)."""
        zones = dict(await self.store.subscribers.due(late))
        missed = [
            (chat, late[chat].astimezone(ZoneInfo(zone or self.defaults.zone)).date())
            for chat, zone in zones.items()
        ]
        recorded = await self.store.ledger.skip(missed, now, reason)
        if recorded:
            log.warning("digest skipped: %d digest(s) recorded as skipped (%s)", recorded, reason)
        return recorded


def _log_unplanned(failed: list[int]) -> None:
    """Say which chats' digests could not be laid out (the sweep tries them again)."""
    log.error(
        "digest planning: %d chat(s) not planned, their digest could not be laid out (chats %s); "
        "the sweep tries them again",
        len(failed),
        ", ".join(map(str, failed[:20])) + (" …" if len(failed) > 20 else ""),
    )


class FanOut:
    """Collects the chats whose digest jobs fire together (or the sweep finds unplanned) and plans them in
    one batch, again and again until it is planned."""

    def __init__(
        self,
        planner: DigestPlanner,
        engine: DeliveryEngine,
        clock: Clock,
        *,
        metrics: Metrics,
        alerts: Alerts,
        catch_up: timedelta = timedelta(hours=6),
    ) -> None:
        """Plan with `planner` and wake `engine` afterwards; a digest over `catch_up` late is skipped; a
        failed attempt is counted and alerted."""
        self.planner, self._engine, self._clock, self._catch_up = planner, engine, clock, catch_up
        self._metrics, self._alerts = metrics, alerts
        self._waiting: dict[int, datetime] = {}  # chat id -> when its digest was due
        self._planning: dict[int, datetime] = {}  # the batch being planned (or retried)
        self._flush: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self._random = random.Random()

    def request(self, chat_id: int, due: datetime | None = None) -> bool:
        """A chat's digest is due (since `due`, default now): plan it with the others due now, shortly.
        False when the chat is already waiting or being planned."""
        if chat_id in self._waiting or chat_id in self._planning:
            return False
        self._waiting[chat_id] = due or self._clock()
        if self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._drain(), name="digest-fanout")
        return True

    async def _drain(self) -> None:
        """Plan what is waiting, batch after batch, until nothing is."""
        while self._waiting:
            await asyncio.sleep(GATHER_SECONDS)
            self._planning, self._waiting = self._waiting, {}
            try:
                await self._plan_until_done(self._planning)
            finally:
                self._planning = {}

    async def _plan_until_done(self, batch: dict[int, datetime]) -> None:
        """Plan the batch; on failure log it and try again after a capped, jittered backoff, until it is
        planned (or the bot stops: the next start's sweep plans what is left)."""
        delay = RETRY_FIRST
        for attempt in itertools.count(1):
            try:
                await self._plan(batch, self._clock())
            except Exception as exc:  # whatever failed, the batch is not lost: it is planned again
                if self._closing.is_set():
                    log.error(
                        "digest planning: stopping with %d chat(s) not planned (%s); the next start's sweep "
                        "plans them",
                        len(batch),
                        reason_of(exc),
                    )
                    return
                pause = delay * self._random.uniform(0.5, 1.0)
                self._metrics.error("planning")
                self._alerts.planning_retried(chats=len(batch), attempt=attempt, error=exc, retry_in=pause)
                log.warning(
                    "digest planning failed: retry %d for %d chat(s) in %.1f s (%s)",
                    attempt,
                    len(batch),
                    pause,
                    reason_of(exc),
                    exc_info=attempt == 1,
                )
                with contextlib.suppress(TimeoutError):  # a stop cuts the pause short
                    await asyncio.wait_for(self._closing.wait(), pause)
                delay = min(delay * 2, RETRY_CAP)
                continue
            if attempt > 1:
                log.info("digest planning: %d chat(s) planned at attempt %d", len(batch), attempt)
            return

    async def _plan(self, batch: dict[int, datetime], now: datetime) -> None:
        """One attempt: skip the digests that are too late, plan the others, wake the engine."""
        late = {chat: due for chat, due in batch.items() if now - due > self._catch_up}
        if late:
            hours = self._catch_up / timedelta(hours=1)
            await self.planner.skip(late, now, f"not planned within DIGEST_CATCHUP_HOURS ({hours:g} h)")
        on_time = {chat: due for chat, due in batch.items() if chat not in late}
        if on_time:
            await self.planner.plan(on_time, now, due_at=on_time)
        self._engine.kick()

    async def close(self) -> None:
        """Let a batch still gathering be planned (one more try if it is failing), then stop."""
        self._closing.set()
        if self._flush is not None:
            await self._flush
