"""Build the services from the settings (what start-up does), each collaborator injected into the next.

`build_services` is all of start-up except Telegram itself: it opens and migrates the database, loads the
models (in threads), and wires ingest, search, the digest planner, schedule and delivery engine, each
given the application's Metrics and Alerts. It needs only a Bot, a JobQueue and the Metrics (the rate
limiter, built with the application, counts into them too), so it can be exercised on its own; bot.app
calls it from post_init.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx
from telegram import Bot
from telegram.ext import JobQueue

from bot import health
from bot.channels import ChannelService
from bot.clock import Clock, utc_now
from bot.config import Settings, StartupError
from bot.delivery.engine import BlockedHook, DeliveryEngine, EngineConfig, MigratedHook
from bot.digest.planner import DigestPlanner, FanOut
from bot.digest.render import DigestRenderer
from bot.digest.schedule import DigestSchedule
from bot.i18n.catalog import Catalog
from bot.ingest.feeds import FeedPoller
from bot.ingest.fetch import Fetcher, FetchLimits
from bot.ingest.meta import LanguageDetector
from bot.ingest.pipeline import Ingestor
from bot.locks import ChatLocks
from bot.monitoring.alerts import Alerts
from bot.monitoring.exporter import MetricsExporter
from bot.monitoring.metrics import Metrics
from bot.semantic.search import SemanticSearch
from bot.semantic.worker import SummaryWorker
from bot.services import Services
from bot.storage import Store
from bot.storage.errors import DatabaseOpenError
from summarizer import ModelLoadError, Summarizer, UnknownBackendError, load_summarizer
from summarizer.embedding import Embedder, load_embedder


@dataclass(frozen=True)
class Injected:
    """Collaborators a test or the playground supplies instead of the ones the settings name."""

    summarizer: Summarizer | None = None
    embedder: Embedder | None = None
    clock: Clock = field(default=utc_now)
    http_transport: httpx.AsyncBaseTransport | None = None
    languages: LanguageDetector | None = None


async def load_worker(settings: Settings, injected: Injected, metrics: Metrics) -> SummaryWorker:
    """The inference worker: injected models, else loaded (in threads) as the settings say."""
    summarizer = injected.summarizer
    if summarizer is None:
        try:
            summarizer = await asyncio.to_thread(
                partial(
                    load_summarizer,
                    settings.summarizer,
                    settings.summarizer_model,
                    settings.summarizer_device,
                    runtime=settings.summarizer_runtime,
                    threads=settings.inference_threads,
                    onnx_dir=settings.summarizer_onnx_dir,
                )
            )
        except UnknownBackendError as exc:
            raise StartupError("SUMMARIZER", str(exc)) from None
        except ModelLoadError as exc:
            variable = "SUMMARIZER_MODEL" if settings.summarizer == "abstractive" else "SUMMARIZER"
            raise StartupError(variable, str(exc)) from None
    embedder = injected.embedder
    if embedder is None and settings.semantic:
        # The extractive backend's MiniLM is the embedder's model: shared, not loaded twice.
        embedder = await asyncio.to_thread(load_embedder, summarizer)
    return SummaryWorker(
        summarizer,
        embedder if settings.semantic else None,
        metrics=metrics,
        torch_threads=settings.inference_threads,
    )


def send_concurrency(settings: Settings) -> int:
    """Sends in flight at once: SEND_CONCURRENCY (rate x round trip), never more than the rate needs."""
    return min(settings.send_concurrency, max(4, settings.send_rate))


def engine_config(settings: Settings) -> EngineConfig:
    """The delivery engine's tunables.

    Deliveries held at once: the sends in flight plus those answered in the last ~50 ms, which wait for
    their group-committed "sent" record, at most 4 per send slot. Not more: every held delivery is a task
    the event loop cycles through (at 133 for 8 sends, the p99 of other users' commands tripled for 3%
    more throughput), and what one instance holds another cannot take.
    """
    concurrency = send_concurrency(settings)
    return EngineConfig(
        send_retries=settings.send_retries,
        send_backoff=settings.send_backoff,
        send_timeout=settings.send_timeout,
        lease=settings.delivery_lease,
        retry_after=settings.delivery_retry_after,
        concurrency=concurrency,
        in_flight=concurrency + min(settings.send_rate // 20, 4 * concurrency),
    )


def fetcher_for(settings: Settings, injected: Injected) -> Fetcher:
    """The SSRF-safe HTTP fetcher with the settings' limits."""
    limits = FetchLimits(
        timeout=settings.fetch_timeout_seconds,
        max_bytes=settings.fetch_max_bytes,
        max_redirects=settings.fetch_max_redirects,
        allow_private=settings.allow_private_urls,
    )
    return Fetcher(limits, transport=injected.http_transport)


def secrets_of(settings: Settings, bot: Bot) -> list[str]:
    """What must never appear in an alert: the bot token and the database password."""
    password = urlsplit(settings.database_url).password
    return [secret for secret in (bot.token, password) if secret]


def exporter_for(settings: Settings, metrics: Metrics, store: Store) -> MetricsExporter | None:
    """The /metrics server of METRICS_PORT (None when unset); deliveries pending are read per scrape."""
    if settings.metrics_port is None:
        return None

    async def refresh() -> None:
        metrics.deliveries_pending.set(await store.ledger.unfinished())

    return MetricsExporter(
        metrics, listen=settings.metrics_listen, port=settings.metrics_port, refresh=refresh
    )


def poller_for(settings: Settings, ingestor: Ingestor, alerts: Alerts) -> FeedPoller:
    """The feed poller: ingests through `ingestor`, every FEED_POLL_MINUTES."""
    return FeedPoller(
        store=ingestor.store,
        fetcher=ingestor.fetcher,
        ingestor=ingestor,
        interval=timedelta(minutes=settings.feed_poll_minutes),
        clock=ingestor.clock,
        metrics=ingestor.metrics,
        alerts=alerts,
    )


async def ingestor_for(
    settings: Settings,
    injected: Injected,
    store: Store,
    worker: SummaryWorker,
    fetcher: Fetcher,
    semantic: SemanticSearch,
    metrics: Metrics,
) -> Ingestor:
    """The ingest pipeline; each stored article is embedded once (semantic search, topics)."""
    return Ingestor(
        store=store,
        worker=worker,
        fetcher=fetcher,
        max_chars=settings.max_article_chars,
        clock=injected.clock,
        metrics=metrics,
        on_stored=semantic.index_article,
        outlet_name=settings.outlet_name,
        # py3langid's model loads once, here (about 2 s), unless one is injected
        languages=injected.languages or await asyncio.to_thread(LanguageDetector),
    )


def digest_for(
    settings: Settings,
    job_queue: JobQueue[Any],
    store: Store,
    renderer: DigestRenderer,
    engine: DeliveryEngine,
    metrics: Metrics,
    alerts: Alerts,
    clock: Clock,
    catalog: Catalog,
    bot_username: str,
) -> tuple[FanOut, DigestSchedule]:
    """The digest's planner (batches, retries, skips; each chat's language from `catalog`; a channel's
    edition links to `bot_username`) and schedule (jobs, the outlet's defaults, sweep)."""
    defaults = settings.digest_defaults()
    fanout = FanOut(
        DigestPlanner(store, renderer, metrics, defaults, catalog, bot_username=bot_username),
        engine,
        clock,
        metrics=metrics,
        alerts=alerts,
        catch_up=timedelta(hours=settings.digest_catchup_hours),
    )
    schedule = DigestSchedule(
        job_queue, fanout, store, clock, retention_days=settings.ledger_retention_days, defaults=defaults
    )
    return fanout, schedule


async def open_store(settings: Settings) -> Store:
    """Check the heartbeat file can be written, then open and migrate the database; StartupError if not."""
    if settings.heartbeat_file is not None:
        try:
            health.check_writable(settings.heartbeat_file)
        except OSError as exc:
            raise StartupError("HEARTBEAT_FILE", f"cannot write {settings.heartbeat_file}: {exc}") from None
    try:
        return await Store.open(settings.database_url)
    except DatabaseOpenError as exc:
        raise StartupError("DATABASE_URL", str(exc)) from None


async def build_services(
    settings: Settings,
    bot: Bot,
    job_queue: JobQueue[Any],
    metrics: Metrics,
    injected: Injected | None = None,
) -> Services:
    """Open the store, load the models and wire every collaborator; the store is closed on failure."""
    injected = injected or Injected()
    clock = injected.clock
    catalog = Catalog(settings.bot_language)  # the compiled catalogs (CatalogError if one is missing)
    store = await open_store(settings)
    try:
        worker = await load_worker(settings, injected, metrics)
    except BaseException:
        await store.close()
        raise
    alerts = Alerts(bot, settings.alert_chat_id, clock, metrics, secrets=secrets_of(settings, bot))
    fetcher = fetcher_for(settings, injected)
    semantic = SemanticSearch(
        store.articles, worker, min_similarity=settings.search_min_similarity, clock=clock
    )
    ingestor = await ingestor_for(settings, injected, store, worker, fetcher, semantic, metrics)
    poller = poller_for(settings, ingestor, alerts)
    renderer = DigestRenderer(
        semantic,
        topic_min_similarity=settings.topic_min_similarity,
        merge_min_similarity=settings.merge_min_similarity,
    )
    engine = DeliveryEngine(bot, store, clock, engine_config(settings), metrics=metrics, alerts=alerts)
    fanout, schedule = digest_for(
        settings, job_queue, store, renderer, engine, metrics, alerts, clock, catalog, bot.username
    )
    locks = ChatLocks()
    channels = ChannelService(
        bot, store, schedule, locks, clock, editor_chats=settings.editor_chats(), catalog=catalog
    )
    engine.on_blocked, engine.on_migrated = _follow_chat(store, schedule, locks, channels)
    engine.on_edition = channels.edition_sent
    return Services(
        settings=settings,
        store=store,
        worker=worker,
        clock=clock,
        fetcher=fetcher,
        ingestor=ingestor,
        feeds=poller,
        semantic=semantic,
        renderer=renderer,
        delivery=engine,
        fanout=fanout,
        schedule=schedule,
        channels=channels,
        metrics=metrics,
        alerts=alerts,
        i18n=catalog,
        exporter=exporter_for(settings, metrics, store),
        chat_locks=locks,
    )


def _follow_chat(
    store: Store, schedule: DigestSchedule, locks: ChatLocks, channels: ChannelService
) -> tuple[BlockedHook, MigratedHook]:
    """The engine's hooks: a blocked chat loses its job (a channel is lost: marked, editors told); a
    migrated one's job moves to the new id (each under the chat's lock, so a settings change in flight
    cannot put a job back)."""

    async def blocked(chat_id: int) -> None:
        async with locks.hold(chat_id):
            schedule.unschedule(chat_id)
        if chat_id < 0:  # a group or a channel; only a channel is lost
            await channels.lost(chat_id, "Telegram refused my post (403: I am no longer a member)")

    async def migrated(old_chat_id: int, new_chat_id: int) -> None:
        async with locks.hold(old_chat_id):
            schedule.unschedule(old_chat_id)
        async with locks.hold(new_chat_id):
            sub = await store.subscribers.get(new_chat_id)
            if sub is not None and sub.subscribed and not sub.blocked:
                schedule.schedule(sub)

    return blocked, migrated
