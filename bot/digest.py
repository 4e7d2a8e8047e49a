"""The evening digest: what goes in it, when it runs (JobQueue), and sending it once per day."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackContext, Job

from bot.delivery import send_html
from bot.digest_layout import DigestMessage, build_digest
from bot.formatting import articles_html
from bot.semantic import from_bytes
from bot.services import Services, get_services
from bot.storage import Article, Subscriber

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
FIRST_DIGEST_WINDOW = timedelta(hours=24)


def job_name(chat_id: int) -> str:
    """The JobQueue name of a chat's daily digest job."""
    return f"digest:{chat_id}"


def schedule(application: AnyApplication, sub: Subscriber) -> Job[Any]:
    """(Re)create the daily job at the subscriber's local time, DST-aware via zoneinfo."""
    unschedule(application, sub.chat_id)
    assert application.job_queue is not None
    when = sub.digest_time.replace(tzinfo=ZoneInfo(sub.timezone))
    return application.job_queue.run_daily(
        digest_job, when, name=job_name(sub.chat_id), data=sub.chat_id, chat_id=sub.chat_id
    )


def unschedule(application: AnyApplication, chat_id: int) -> None:
    """Remove the chat's digest job, if any."""
    assert application.job_queue is not None
    for job in application.job_queue.get_jobs_by_name(job_name(chat_id)):
        job.schedule_removal()


def next_run(application: AnyApplication, chat_id: int) -> datetime | None:
    """When the chat's digest job fires next, in the subscriber's zone."""
    assert application.job_queue is not None
    for job in application.job_queue.get_jobs_by_name(job_name(chat_id)):
        if not job.removed and job.next_t is not None:
            return job.next_t
    return None


async def restore_jobs(application: AnyApplication, services: Services) -> int:
    """Rebuild every subscriber's job from the database (jobs are not persisted); return the count."""
    subscribers = await services.store.list_subscribed()
    for sub in subscribers:
        schedule(application, sub)
    return len(subscribers)


async def pending_articles(services: Services, chat_id: int, now: datetime) -> list[Article]:
    """Articles posted since the chat's previous digest (first digest: the last 24 hours)."""
    since = await services.store.last_digest_sent_at(chat_id) or now - FIRST_DIGEST_WINDOW
    return await services.store.articles_between(since, now)


def digest_html(articles: list[Article], day: date) -> str:
    """The digest message: a header and one paragraph per article."""
    count = f"{len(articles)} stor{'y' if len(articles) == 1 else 'ies'}"
    return articles_html(f"📰 <b>Your digest for {day:%A, %d %B %Y}</b> — {count}", articles)


async def digest_messages(
    services: Services, chat_id: int, articles: list[Article], day: date, layout: str
) -> list[DigestMessage]:
    """The chat's digest messages: its topics applied, same-event articles merged, in its layout."""
    if not articles:
        return []
    topics = await services.store.list_topics(chat_id)
    vectors = await services.semantic.vectors_of([a.id for a in articles])
    settings = services.settings
    return build_digest(
        articles,
        vectors,
        [(t, from_bytes(t.vector) if t.vector else None) for t in topics],
        day=day,
        layout=layout,
        topic_min_similarity=settings.topic_min_similarity,
        merge_min_similarity=settings.merge_min_similarity,
    )


async def send_digest(application: AnyApplication, services: Services, chat_id: int) -> str:
    """Send today's digest to one chat at most once; return the delivery status."""
    sub = await services.store.get_subscriber(chat_id)
    if sub is None or not sub.subscribed:
        return "skipped"
    now = services.clock()
    day = now.astimezone(ZoneInfo(sub.timezone)).date()
    if not await services.store.claim_digest(chat_id, day, now):
        return "duplicate"
    articles = await pending_articles(services, chat_id, now)
    messages = await digest_messages(services, chat_id, articles, day, sub.digest_layout)
    status = "sent"
    try:
        for message in messages:
            await send_html(application.bot, chat_id, message.html, reply_markup=message.keyboard)
        if not messages:
            status = "empty"
    except Forbidden:
        log.info("chat %s blocked the bot; unsubscribing it", chat_id)
        await services.store.mark_blocked(chat_id)
        unschedule(application, chat_id)
        status = "blocked"
    except TelegramError as exc:
        log.warning("digest for chat %s failed: %s", chat_id, exc)
        status = "failed"
    await services.store.finish_digest(chat_id, day, status=status, now=now, article_count=len(articles))
    return status


async def digest_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """JobQueue callback: send the digest of the chat in `job.data`."""
    assert context.job is not None and isinstance(context.job.data, int)
    await send_digest(context.application, get_services(context), context.job.data)
