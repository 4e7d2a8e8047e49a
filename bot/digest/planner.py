"""Digest planning: the chats whose jobs fire together are planned as one batch, content built once per
distinct (cut-off, day, layout, topics) and written to the ledger for the delivery engine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.delivery.engine import DeliveryEngine
from bot.digest.render import DigestRenderer
from bot.digest.selection import new_articles, read_start, recent_article_ids
from bot.formatting import Reader
from bot.monitoring.alerts import Alerts
from bot.monitoring.metrics import Metrics
from bot.storage import Store
from bot.storage.ledger import Cutoff, PartText, PlannedDigest
from bot.storage.types import Layout

log = logging.getLogger(__name__)

GATHER_SECONDS: Final = 0.5  # jobs of one minute fire within milliseconds of each other
YIELD_EVERY: Final = 500  # chats planned between two turns of the event loop


class DigestPlanner:
    """Writes due chats' digests into the ledger, laid out by the renderer."""

    def __init__(self, store: Store, renderer: DigestRenderer, metrics: Metrics) -> None:
        """Read and write through `store`; lay out with `renderer`; count what is planned in `metrics`."""
        self.store, self.renderer, self._metrics = store, renderer, metrics

    async def plan(self, chat_ids: Iterable[int], now: datetime) -> list[int]:
        """Write today's digest for each due chat into the ledger; return the new deliveries' ids.

        The articles are read once, in one statement (one snapshot: what it saw near `now` is recorded
        as the plan's recent articles, so it must be what every chat's content was cut from). Chats with
        the same previous cut-off, local date, layout and topics get the very same parts: laid out and
        split once per such group, and each part's text is stored once.
        """
        store = self.store
        due = await store.subscribers.due(chat_ids)
        if not due:
            return []
        cutoffs = await store.ledger.last_cutoffs(chat for chat, _ in due)
        prefs = await store.subscribers.digest_preferences([chat for chat, _ in due])
        previous: set[Cutoff | None] = {*cutoffs.values(), *([None] if len(cutoffs) < len(due) else [])}
        read = await store.articles.between(read_start(previous, now), now)
        articles = {cutoff: new_articles(read, cutoff, now) for cutoff in previous}
        parts: dict[tuple[object, ...], tuple[PartText, ...]] = {}
        planned: list[PlannedDigest] = []
        for index, (chat_id, zone) in enumerate(due):
            if index % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let commands in: 100k chats are a few hundred ms of this loop
            cutoff = cutoffs.get(chat_id)
            day = now.astimezone(ZoneInfo(zone)).date()
            found = articles[cutoff]
            layout, topics = prefs.get(chat_id, (Layout.COMPACT, []))
            # the zone too: an item older than a day shows its local date ("3 h ago" is the same anywhere)
            key = (cutoff, day, zone, layout, tuple((t.kind, t.phrase) for t in topics))
            if key not in parts:
                reader = Reader(now, zone)
                parts[key] = await self.renderer.parts(found, day, layout, topics, reader) if found else ()
            planned.append(PlannedDigest(chat_id, day, now, len(found), parts[key]))
        created = await store.ledger.plan(planned, now, recent_article_ids(read, now))
        self._metrics.digests_planned.inc(len(created))
        log.info("planned %d digest(s) from %d distinct content(s)", len(created), len(parts))
        return created


class FanOut:
    """Collects the chats whose digest jobs fire together and plans them in one batch."""

    def __init__(
        self,
        planner: DigestPlanner,
        engine: DeliveryEngine,
        clock: Clock,
        *,
        metrics: Metrics,
        alerts: Alerts,
    ) -> None:
        """Plan with `planner` and wake `engine` afterwards; a failure is counted and alerted."""
        self.planner, self._engine, self._clock = planner, engine, clock
        self._metrics, self._alerts = metrics, alerts
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
            await self.planner.plan(chats, self._clock())
        except Exception as exc:  # the jobs fire again tomorrow; the error must not pass silently
            log.exception("planning the digest for %d chat(s) failed", len(chats))
            self._metrics.error("planning")
            self._alerts.planning_retried(chats=len(chats), attempt=1, error=exc)
            return
        self._engine.kick()

    async def close(self) -> None:
        """Let a batch still gathering be planned (its chats are not lost on a clean stop)."""
        if self._flush is not None:
            await self._flush
