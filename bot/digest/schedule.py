"""When digests run: a JobQueue job per subscribed chat at its local time (DST-aware; a chat without its
own time or zone follows the outlet's default), the sweep that plans any digest due without a ledger row
(at start-up and every few minutes: a digest missed while the bot was down is still sent, up to
DIGEST_CATCHUP_HOURS late), and the daily ledger retention job."""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from telegram.ext import CallbackContext, Job, JobQueue

from bot.clock import Clock
from bot.digest.planner import TRANSIENT, FanOut, reason_of
from bot.storage import Store, Subscriber
from bot.storage.subscribers import Slot
from bot.storage.types import DigestDefaults

log = logging.getLogger(__name__)

SWEEP_JOB: Final = "digest-sweep"
SWEEP_EVERY: Final = timedelta(minutes=5)  # how late a digest nobody planned is found at the latest
PRUNE_JOB: Final = "ledger-prune"
PRUNE_AT: Final = time(3, 17, tzinfo=ZoneInfo("UTC"))  # daily: a quiet hour, off the round minutes

AnyContext = CallbackContext[Any, Any, Any, Any]


def job_name(chat_id: int) -> str:
    """The JobQueue name of a chat's daily digest job."""
    return f"digest:{chat_id}"


@functools.lru_cache(maxsize=4096)
def _daily_trigger(at: time, zone: str) -> CronTrigger:
    """Every day at `at` local time in `zone` (DST-aware), as `JobQueue.run_daily` would build it.

    Shared by every subscriber with the same time and zone (a trigger holds no per-job state): PTB's
    `run_daily` builds one per job, ~3 KB each, which was most of a 100k-subscriber bot's memory.
    """
    return CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=ZoneInfo(zone))


def last_due(slot: Slot, now: datetime) -> datetime:
    """The latest time at or before `now` a digest at local time `slot[0]` in zone `slot[1]` was due, in
    that zone (so its date is the digest's local date): today's, or yesterday's if today's is ahead."""
    zone = ZoneInfo(slot[1])
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), slot[0], tzinfo=zone)
    if due > now:
        due = datetime.combine(local.date() - timedelta(days=1), slot[0], tzinfo=zone)
    return due


class DigestSchedule:
    """The chats' digest jobs in PTB's JobQueue (APScheduler); a job that fires hands its chat to the
    fan-out, which plans it with the others due that minute."""

    def __init__(
        self,
        job_queue: JobQueue[Any],
        fanout: FanOut,
        store: Store,
        clock: Clock,
        *,
        retention_days: int,
        defaults: DigestDefaults | None = None,
    ) -> None:
        """Schedule into `job_queue`; due chats go to `fanout`; the ledger is pruned after retention_days;
        a chat without its own time or zone follows `defaults` (DIGEST_TIME, TIMEZONE)."""
        self._jobs, self._fanout, self._store, self._clock = job_queue, fanout, store, clock
        self._retention = timedelta(days=retention_days)
        self.defaults = defaults or DigestDefaults()

    def schedule(self, sub: Subscriber, *, replace: bool = True) -> Job[Any]:
        """(Re)create the daily job at the subscriber's local time, DST-aware via zoneinfo.

        The APScheduler job id is the job's name, so a chat's job is found (and replaced) by a dict
        lookup: `JobQueue.get_jobs_by_name` wraps and scans *every* job, which made each blocked chat of
        a fan-out cost O(subscribers). `replace=False` skips even that lookup (the start-up rebuild).
        """
        if replace:
            self.unschedule(sub.chat_id)
        name = job_name(sub.chat_id)
        return self._jobs.run_custom(
            self._fire,
            {
                "trigger": _daily_trigger(self.defaults.time_of(sub), self.defaults.zone_of(sub)),
                "id": name,
                "replace_existing": True,
            },
            name=name,
            data=sub.chat_id,
            chat_id=sub.chat_id,
        )

    def _job(self, chat_id: int) -> Job[Any] | None:
        """The chat's scheduled digest job, looked up by id."""
        aps_job = self._jobs.scheduler.get_job(job_name(chat_id))
        return None if aps_job is None else Job.from_aps_job(aps_job)

    def unschedule(self, chat_id: int) -> None:
        """Remove the chat's digest job, if any."""
        job = self._job(chat_id)
        if job is not None:
            job.schedule_removal()

    def next_run(self, chat_id: int) -> datetime | None:
        """When the chat's digest job fires next, in the subscriber's zone."""
        job = self._job(chat_id)
        if job is not None and not job.removed and job.next_t is not None:
            return job.next_t
        return None

    async def start(self) -> int:
        """Rebuild every subscriber's job (jobs are not persisted), sweep once (what was missed while the
        bot was down), then every SWEEP_EVERY; schedule the daily ledger prune. Return how many digest
        jobs there are."""
        subscribers = await self._store.subscribers.subscribed()
        for sub in subscribers:
            self.schedule(sub, replace=False)
        await self.sweep()
        self._jobs.run_repeating(
            self._sweep,
            interval=SWEEP_EVERY,
            first=SWEEP_EVERY,
            name=SWEEP_JOB,
            job_kwargs={"max_instances": 1, "coalesce": True},
        )
        self._jobs.run_daily(self._prune, PRUNE_AT, name=PRUNE_JOB)
        return len(subscribers)

    async def sweep(self) -> int:
        """Hand the fan-out every subscribed chat's latest due digest (within the last day) that has no
        ledger row, unless its schedule changed after that time; return how many. The fan-out plans
        those within DIGEST_CATCHUP_HOURS and records the later ones as skipped; the ledger's unique
        (chat, date) key keeps it exactly once when jobs, other instances or sweeps plan the same."""
        now = self._clock()
        by_day: dict[date, dict[Slot, datetime]] = {}
        for slot in await self._store.subscribers.slots(self.defaults):
            due = last_due(slot, now)
            by_day.setdefault(due.date(), {})[slot] = due
        missed = 0
        for day, dues in sorted(by_day.items()):
            for chat_id, slot, changed in await self._store.subscribers.without_digest(
                day, list(dues), self.defaults
            ):
                if (changed is None or changed <= dues[slot]) and self._fanout.request(chat_id, dues[slot]):
                    missed += 1
        if missed:
            log.warning("digest sweep: %d digest(s) due without a ledger row handed to planning", missed)
        return missed

    async def _sweep(self, _context: AnyContext) -> None:
        """JobQueue callback, every SWEEP_EVERY."""
        try:
            await self.sweep()
        except TRANSIENT as exc:  # the database is away: the next sweep looks again
            log.error("digest sweep failed (%s); next in %s", reason_of(exc), SWEEP_EVERY)

    async def _fire(self, context: AnyContext) -> None:
        """JobQueue callback: the chat in `job.data` is due."""
        if context.job is not None and isinstance(context.job.data, int):
            self._fanout.request(context.job.data)

    async def _prune(self, _context: AnyContext) -> None:
        """JobQueue callback, daily: forget digests older than the retention (a chat keeps its latest)."""
        before = self._clock() - self._retention
        deleted = await self._store.ledger.prune(before)
        log.info(
            "ledger pruned: %d digest deliveries planned before %s deleted", deleted, f"{before:%Y-%m-%d}"
        )
