"""The one factory that builds the bot: every handler, the start-up and shutdown hooks."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import httpx
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import digest, health
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.delivery import DeliveryEngine, EngineConfig
from bot.fanout import DigestRenderer, FanOut
from bot.handlers import (
    admin,
    buttons,
    common,
    feeds,
    groups,
    inline,
    membership,
    reading,
    subscription,
    topics,
)
from bot.handlers.replies import Context
from bot.ingest.feeds import FeedPoller
from bot.ingest.fetch import Fetcher, FetchLimits
from bot.ingest.pipeline import Ingestor
from bot.semantic import SemanticSearch
from bot.services import Services, attach, services_of
from bot.storage import Store
from bot.summarizing import SummaryWorker
from bot.telegram_request import AiohttpRequest, RequestLimits  # issue 17
from summarizer import Summarizer, load_summarizer
from summarizer.embedding import Embedder, load_embedder

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
FIRST_FEED_POLL = timedelta(minutes=1)
# Connections the pool has beyond the engine's sends: command replies and other calls find one free.
SPARE_CONNECTIONS = 4


def _commands(*groups: tuple[tuple[str, str, str], ...]) -> list[BotCommand]:
    return [BotCommand(name, description) for group in groups for name, _, description in group]


async def _publish_commands(application: AnyApplication, settings: Settings) -> None:
    """Register the command menu: subscribers' for everyone, plus editors' in each admin's chat."""
    bot = application.bot
    await bot.set_my_commands(_commands(common.SUBSCRIBER_COMMANDS))
    for admin_id in sorted(settings.admin_ids):
        try:
            await bot.set_my_commands(
                _commands(common.SUBSCRIBER_COMMANDS, common.ADMIN_COMMANDS),
                scope=BotCommandScopeChat(admin_id),
            )
        except TelegramError as exc:  # e.g. the admin never opened a chat with the bot yet
            log.warning("could not set the editor command menu for %s: %s", admin_id, exc)


async def on_error(update: object, context: Context) -> None:
    """Log every unhandled error and tell the user something went wrong."""
    log.error("error while handling %r", update, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                "Sorry, something went wrong on my side. Please try again in a moment.",
            )
        except TelegramError:
            log.warning("could not report the error to chat %s", update.effective_chat.id)


async def _worker(
    settings: Settings, summarizer: Summarizer | None, embedder: Embedder | None
) -> SummaryWorker:
    """The inference worker: injected models, else loaded (in threads) as the settings say."""
    if summarizer is None:
        summarizer = await asyncio.to_thread(load_summarizer, settings.summarizer, settings.summarizer_model)
    if embedder is None and settings.semantic:
        # The extractive backend's MiniLM is the embedder's model: shared, not loaded twice.
        embedder = await asyncio.to_thread(load_embedder, summarizer)
    return SummaryWorker(
        summarizer, embedder if settings.semantic else None, torch_threads=settings.inference_threads
    )


# Commands that change a chat's digest: in groups only its admins may use them (bot/handlers/groups.py).
CHAT_SETTINGS_COMMANDS: Final = (
    "subscribe",
    "unsubscribe",
    "settime",
    "timezone",
    "settings",
    "follow",
    "mute",
    "unfollow",
    "unmute",
)


def register_handlers(application: AnyApplication) -> None:
    """Attach every command handler, the unknown-command hint and the error handler."""
    only_messages = filters.UpdateType.MESSAGE
    commands: dict[str, groups.Handler] = {
        "start": common.start,
        "help": common.help_command,
        "subscribe": subscription.subscribe,
        "unsubscribe": subscription.unsubscribe,
        "settime": subscription.settime,
        "timezone": subscription.timezone,
        "settings": subscription.settings,
        "latest": reading.latest,
        "summary": reading.summary,
        "search": reading.search,
        "digest": reading.digest_command,
        "post": admin.post,
        "delete": admin.delete,
        "stats": admin.stats,
        "addfeed": feeds.addfeed,
        "feeds": feeds.list_feeds,
        "removefeed": feeds.removefeed,
        "topics": topics.topics,
        "follow": topics.follow,
        "mute": topics.mute,
        "unfollow": topics.unfollow,
        "unmute": topics.unmute,
    }
    for name in CHAT_SETTINGS_COMMANDS:
        commands[name] = groups.group_admins_only(commands[name], only_with_args=name == "settings")
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=only_messages))
    application.add_handler(CallbackQueryHandler(buttons.on_button))
    application.add_handler(ChatMemberHandler(membership.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(InlineQueryHandler(inline.on_inline_query))
    application.add_handler(MessageHandler(filters.COMMAND & only_messages, common.unknown_command))
    application.add_handler(
        MessageHandler(
            filters.Regex(r"^\s*\S+://\S+\s*$") & ~filters.COMMAND & filters.ChatType.PRIVATE & only_messages,
            admin.link_message,
        )
    )
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & only_messages, common.plain_text
        )
    )
    application.add_error_handler(on_error)


def _send_concurrency(settings: Settings) -> int:
    """Sends in flight at once: SEND_CONCURRENCY (rate x round trip), never more than the rate needs."""
    return min(settings.send_concurrency, max(4, settings.send_rate))


def _in_flight(settings: Settings) -> int:
    """Deliveries held at once: the sends in flight plus those answered in the last ~50 ms, which wait
    for their group-committed "sent" record, at most 4 per send slot. Not more: every held delivery is
    a task the event loop cycles through (at 133 for 8 sends, the p99 of other users' commands tripled
    for 3% more throughput), and what one instance holds another cannot take."""
    concurrency = _send_concurrency(settings)
    return concurrency + min(settings.send_rate // 20, 4 * concurrency)


def _engine(application: AnyApplication, settings: Settings, store: Store, clock: Clock) -> DeliveryEngine:
    """The digest delivery engine, wired to drop or move a chat's job when it blocks or migrates."""

    async def blocked(chat_id: int) -> None:
        digest.unschedule(application, chat_id)

    async def migrated(old_chat_id: int, new_chat_id: int) -> None:
        digest.unschedule(application, old_chat_id)
        sub = await store.get_subscriber(new_chat_id)
        if sub is not None and sub.subscribed and not sub.blocked:
            digest.schedule(application, sub)

    config = EngineConfig(
        send_retries=settings.send_retries,
        send_backoff=settings.send_backoff,
        send_timeout=settings.send_timeout,
        lease=settings.delivery_lease,
        retry_after=settings.delivery_retry_after,
        concurrency=_send_concurrency(settings),
        in_flight=_in_flight(settings),
    )
    return DeliveryEngine(application.bot, store, clock, config, on_blocked=blocked, on_migrated=migrated)


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    base_url: str | None = None,
    summarizer: Summarizer | None = None,
    embedder: Embedder | None = None,
    clock: Clock = utc_now,
    http_transport: httpx.AsyncBaseTransport | None = None,
) -> AnyApplication:
    """Build the bot. `summarizer`, `embedder`, `clock` and the fetcher's HTTP transport are injectable."""
    bot_token = token or settings.token()
    if not bot_token:
        raise ValueError("a bot token is required (BOT_TOKEN, or the playground's emulator token)")

    async def post_init(application: AnyApplication) -> None:
        store = await Store.open(settings.database_url)
        try:
            worker = await _worker(settings, summarizer, embedder)
        except BaseException:
            await store.close()
            raise
        fetcher = Fetcher(
            FetchLimits(
                timeout=settings.fetch_timeout_seconds,
                max_bytes=settings.fetch_max_bytes,
                max_redirects=settings.fetch_max_redirects,
                allow_private=settings.allow_private_urls,
            ),
            transport=http_transport,
        )
        semantic = SemanticSearch(store, worker, min_similarity=settings.search_min_similarity)
        ingestor = Ingestor(
            store=store,
            worker=worker,
            fetcher=fetcher,
            max_chars=settings.max_article_chars,
            clock=clock,
            on_stored=semantic.index_article,
        )
        engine = _engine(application, settings, store, clock)
        renderer = DigestRenderer(
            semantic,
            topic_min_similarity=settings.topic_min_similarity,
            merge_min_similarity=settings.merge_min_similarity,
        )
        fanout = FanOut(store, engine, clock, renderer)
        interval = timedelta(minutes=settings.feed_poll_minutes)
        poller = FeedPoller(store=store, fetcher=fetcher, ingestor=ingestor, interval=interval, clock=clock)
        services = Services(
            settings=settings,
            store=store,
            worker=worker,
            clock=clock,
            fetcher=fetcher,
            ingestor=ingestor,
            feeds=poller,
            semantic=semantic,
            delivery=engine,
            fanout=fanout,
        )
        attach(application, services)
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            feeds.poll_job,
            interval=interval,
            first=min(interval, FIRST_FEED_POLL),
            name=feeds.JOB_NAME,
            job_kwargs={"max_instances": 1, "coalesce": True},
        )
        application.job_queue.run_daily(digest.prune_job, digest.PRUNE_AT, name=digest.PRUNE_JOB)
        if settings.heartbeat_file is not None:
            health.beat(settings.heartbeat_file)  # healthy from the end of start-up on
            application.job_queue.run_repeating(
                health.heartbeat_job,
                interval=health.HEARTBEAT_SECONDS,
                name=health.JOB_NAME,
                data=settings.heartbeat_file,
            )
        await _publish_commands(application, settings)
        restored = await digest.restore_jobs(application, services)
        # What start-up built lives as long as the bot (a job per subscriber: millions of objects at
        # 100k): keep it out of the cyclic GC's full collections, which otherwise rescan it all again and
        # again during a fan-out (at 100k: 10% of the CPU per digest message and p99 pauses). Undone on
        # shutdown so the frozen objects can be collected again.
        gc.freeze()
        engine.start()
        log.info("ready: summarizer %s, %d digest job(s) scheduled", worker.name, restored)

    async def post_shutdown(application: AnyApplication) -> None:
        gc.unfreeze()
        services = services_of(application)
        if services is not None:
            await services.fanout.close()
            await services.delivery.stop()
            services.worker.close()
            await services.fetcher.close()
            await services.store.close()

    application: AnyApplication = (
        ApplicationBuilder()
        .token(bot_token)
        .base_url(base_url or settings.telegram_api_url)
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.send_rate,
                overall_time_period=1,
                group_max_rate=20,
                group_time_period=60,
                max_retries=3,
            )
        )
        # --- issue 17: every Bot API call (replies, digest sends, getUpdates) goes over aiohttp ---
        .request(AiohttpRequest(RequestLimits(pool_size=_send_concurrency(settings) + SPARE_CONNECTIONS)))
        .get_updates_request(AiohttpRequest(RequestLimits(pool_size=1)))  # one long poll at a time
        # --- end issue 17 ---
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    register_handlers(application)
    return application


@dataclass(frozen=True)
class Webhook:
    """Where the webhook server listens and what Telegram is told (setWebhook)."""

    url: str
    secret: str
    port: int
    listen: str = "0.0.0.0"
    path: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Webhook | None:
        """The webhook of WEBHOOK_URL / WEBHOOK_SECRET / PORT, or None for long polling."""
        if not settings.webhook_url or settings.webhook_secret is None:
            return None
        return cls(
            url=settings.webhook_url,
            secret=settings.webhook_secret.get_secret_value(),
            port=settings.port,
            listen=settings.webhook_listen,
            path=settings.webhook_path(),
        )

    def server_kwargs(self) -> dict[str, Any]:
        """The arguments PTB's run_webhook / Updater.start_webhook take for this webhook."""
        return {
            "listen": self.listen,
            "port": self.port,
            "url_path": self.path,
            "webhook_url": self.url,
            "secret_token": self.secret,
        }


@asynccontextmanager
async def running(
    application: AnyApplication, *, poll_interval: float = 0.0, webhook: Webhook | None = None
) -> AsyncIterator[AnyApplication]:
    """Run `application` inside an existing event loop, like run_polling / run_webhook do.

    With a webhook, PTB's server refuses (403) every request without the right
    X-Telegram-Bot-Api-Secret-Token header.
    """
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        assert application.updater is not None
        if webhook is None:
            await application.updater.start_polling(
                poll_interval=poll_interval, allowed_updates=Update.ALL_TYPES
            )
        else:
            await application.updater.start_webhook(
                **webhook.server_kwargs(), allowed_updates=Update.ALL_TYPES
            )
        await application.start()
        try:
            yield application
        finally:
            if application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


__all__ = ["Webhook", "build_application", "register_handlers", "running"]
