"""When digests run: a JobQueue job per subscribed chat at its local time (DST-aware), the catch-up of a
digest just missed at start-up, and the daily ledger retention job."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from telegram.ext import CallbackContext, Job, JobQueue

from bot.clock import Clock
from bot.digest.planner import FanOut
from bot.storage import Store, Subscriber

log = logging.getLogger(__name__)

CATCH_UP: Final = timedelta(minutes=10)  # a start this soon after a digest time still sends it
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


def just_missed(sub: Subscriber, now: datetime) -> bool:
    """Whether the subscriber's digest time passed within CATCH_UP (e.g. the bot was restarting)."""
    local = now.astimezone(ZoneInfo(sub.timezone))
    due = datetime.combine(local.date(), sub.digest_time, tzinfo=ZoneInfo(sub.timezone))
    return timedelta(0) <= local - due < CATCH_UP


class DigestSchedule:
    """The chats' digest jobs in PTB's JobQueue (APScheduler); a job that fires hands its chat to the
    fan-out, which plans it with the others due that minute."""

    def __init__(
        self, job_queue: JobQueue[Any], fanout: FanOut, store: Store, clock: Clock, *, retention_days: int
    ) -> None:
        """Schedule into `job_queue`; due chats go to `fanout`; the ledger is pruned after retention_days."""
        self._jobs, self._fanout, self._store, self._clock = job_queue, fanout, store, clock
        self._retention = timedelta(days=retention_days)

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
            {"trigger": _daily_trigger(sub.digest_time, sub.timezone), "id": name, "replace_existing": True},
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
        """Rebuild every subscriber's job (jobs are not persisted), catch up a digest just missed, and
        schedule the daily ledger prune; return how many digest jobs there are."""
        subscribers = await self._store.subscribers.subscribed()
        now = self._clock()
        for sub in subscribers:
            self.schedule(sub, replace=False)
            if just_missed(sub, now):
                self._fanout.request(sub.chat_id)
        self._jobs.run_daily(self._prune, PRUNE_AT, name=PRUNE_JOB)
        return len(subscribers)

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
