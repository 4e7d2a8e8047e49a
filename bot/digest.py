"""The evening digest: when it runs (JobQueue), what goes in it, and handing it to the fan-out."""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from telegram.ext import Application, CallbackContext, Job

from bot.digest_layout import DigestMessage
from bot.fanout import FIRST_DIGEST_WINDOW, digest_html, new_articles, plan_digests, window_start
from bot.services import Services, get_services
from bot.storage import Article, Subscriber
from bot.storage.ledger import FINISHED

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
CATCH_UP: Final = timedelta(minutes=10)  # a start this soon after a digest time still sends it
PRUNE_JOB: Final = "ledger-prune"
PRUNE_AT: Final = time(3, 17, tzinfo=ZoneInfo("UTC"))  # daily: a quiet hour, off the round minutes

__all__ = ["FIRST_DIGEST_WINDOW", "digest_html", "next_run", "schedule", "send_digest", "unschedule"]


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


def schedule(application: AnyApplication, sub: Subscriber, *, replace: bool = True) -> Job[Any]:
    """(Re)create the daily job at the subscriber's local time, DST-aware via zoneinfo.

    The APScheduler job id is the job's name, so a chat's job is found (and replaced) by a dict lookup:
    `JobQueue.get_jobs_by_name` wraps and scans *every* job, which made each blocked chat of a fan-out
    cost O(subscribers). `replace=False` skips even that lookup (the start-up rebuild of fresh jobs).
    """
    if replace:
        unschedule(application, sub.chat_id)
    assert application.job_queue is not None
    name = job_name(sub.chat_id)
    return application.job_queue.run_custom(
        digest_job,
        {
            "trigger": _daily_trigger(sub.digest_time, sub.timezone),
            "id": name,
            "replace_existing": True,
        },
        name=name,
        data=sub.chat_id,
        chat_id=sub.chat_id,
    )


def _job(application: AnyApplication, chat_id: int) -> Job[Any] | None:
    """The chat's scheduled digest job, looked up by id."""
    assert application.job_queue is not None
    aps_job = application.job_queue.scheduler.get_job(job_name(chat_id))
    return None if aps_job is None else Job.from_aps_job(aps_job)


def unschedule(application: AnyApplication, chat_id: int) -> None:
    """Remove the chat's digest job, if any."""
    job = _job(application, chat_id)
    if job is not None:
        job.schedule_removal()


def next_run(application: AnyApplication, chat_id: int) -> datetime | None:
    """When the chat's digest job fires next, in the subscriber's zone."""
    job = _job(application, chat_id)
    if job is not None and not job.removed and job.next_t is not None:
        return job.next_t
    return None


def _just_missed(sub: Subscriber, now: datetime) -> bool:
    """Whether the subscriber's digest time passed within CATCH_UP (e.g. the bot was restarting)."""
    local = now.astimezone(ZoneInfo(sub.timezone))
    due = datetime.combine(local.date(), sub.digest_time, tzinfo=ZoneInfo(sub.timezone))
    return timedelta(0) <= local - due < CATCH_UP


async def restore_jobs(application: AnyApplication, services: Services) -> int:
    """Rebuild every subscriber's job (jobs are not persisted), catching up a digest just missed."""
    subscribers = await services.store.list_subscribed()
    now = services.clock()
    for sub in subscribers:
        schedule(application, sub, replace=False)
        if _just_missed(sub, now):
            services.fanout.request(sub.chat_id)
    return len(subscribers)


async def pending_articles(services: Services, chat_id: int, now: datetime) -> list[Article]:
    """What /digest shows: the articles the chat's next scheduled digest would carry if it were cut now.

    The same selection as the fan-out (`Ledger.last_cutoffs`, `fanout.new_articles`): what came after
    the content cut-off of the chat's latest digest that Telegram accepted, not the time it finished
    sending, plus what was stamped just before that cut-off but stored after its plan read the
    articles. So an article posted while that digest was planned or sent is shown here and goes out in
    the next digest, once. /digest is a read-only look: it moves no cut-off, so the next digest still
    carries everything since the last one whether or not the user looked in between (first digest: the
    last 24 hours).
    """
    cutoff = (await services.store.ledger.last_cutoffs([chat_id])).get(chat_id)
    read = await services.store.articles_between(window_start(cutoff, now), now)
    return new_articles(read, cutoff, now)


async def digest_messages(
    services: Services, chat_id: int, articles: list[Article], day: date, layout: str
) -> list[DigestMessage]:
    """The chat's digest messages: its topics applied, same-event articles merged, in its layout."""
    renderer = services.fanout.renderer
    if renderer is None or not articles:
        return []
    return await renderer.messages(articles, day, layout, await services.store.list_topics(chat_id))


async def send_digest(
    application: AnyApplication, services: Services, chat_id: int, *, timeout: float = 60.0
) -> str:
    """Plan today's digest for one chat and wait for the engine to deliver it; return its status."""
    sub = await services.store.get_subscriber(chat_id)
    if sub is None or not sub.subscribed:
        return "skipped"
    created = await plan_digests(services.store, [chat_id], services.clock(), services.fanout.renderer)
    if not created:
        return "duplicate"
    services.delivery.kick()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (status := await services.store.ledger.delivery_status(created[0])) not in FINISHED:
        if loop.time() > deadline:
            return status or "missing"
        await asyncio.sleep(0.05)
    return status


async def digest_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """JobQueue callback: the chat in `job.data` is due; the fan-out plans it with the others due now."""
    assert context.job is not None and isinstance(context.job.data, int)
    get_services(context).fanout.request(context.job.data)


async def prune_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """JobQueue callback, daily: forget digests older than LEDGER_RETENTION_DAYS (a chat keeps its latest)."""
    services = get_services(context)
    before = services.clock() - timedelta(days=services.settings.ledger_retention_days)
    deleted = await services.store.ledger.prune(before)
    log.info("ledger pruned: %d digest deliveries planned before %s deleted", deleted, f"{before:%Y-%m-%d}")
