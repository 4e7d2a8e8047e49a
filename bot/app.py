"""The one factory that builds the bot: PTB's ApplicationBuilder with the bot's Defaults and typed context,
every handler (from the command table), the start-up and shutdown hooks."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import httpx
from telegram import BotCommandScopeChat, LinkPreviewOptions, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    filters,
)

from bot import health
from bot.clock import Clock, utc_now
from bot.commands import COMMANDS, Audience, menu, named
from bot.config import Settings
from bot.context import BotData, ChatData, Context, NewsApplication, UserData
from bot.delivery.limiter import rate_limiter
from bot.delivery.request import AiohttpRequest, RequestLimits
from bot.handlers import admin, buttons, common, feeds, inline, language, membership
from bot.handlers.replies import counted, guess_tr
from bot.i18n.catalog import Catalog
from bot.i18n.languages import SHIPPED
from bot.i18n.translator import N_
from bot.ingest.meta import LanguageDetector
from bot.monitoring.metrics import Metrics
from bot.services import Services
from bot.wiring import Injected, build_services, send_concurrency
from summarizer import Summarizer
from summarizer.embedding import Embedder

log = logging.getLogger(__name__)

FIRST_FEED_POLL: Final = timedelta(minutes=1)
ALERT_FLUSH: Final = timedelta(minutes=1)  # how often held-back alerts are checked for their summary
# Connections the pool has beyond the engine's sends: command replies and other calls find one free.
SPARE_CONNECTIONS: Final = 4
# Every message is Telegram HTML (all article and user text escaped) without link previews, unless a
# call says otherwise: set once here rather than at every send.
DEFAULTS: Final = Defaults(
    parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
)
CONTEXT_TYPES: Final = ContextTypes(context=Context, bot_data=BotData, chat_data=ChatData, user_data=UserData)
ONLY_MESSAGES: Final = filters.UpdateType.MESSAGE


class ForAnotherBot(filters.MessageFilter):
    """A command addressed to another bot (`/start@other_bot` in a group): not ours to answer at all.

    PTB's CommandHandler already skips these; the unknown-command fallback must skip them too.
    """

    def filter(self, message: Message) -> bool:
        """True when the message starts with `/command@username` and username is not this bot's."""
        entity = next(
            (e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None
        )
        if entity is None:
            return False
        _, at, username = message.parse_entity(entity).partition("@")
        return bool(at) and username.casefold() != (message.get_bot().username or "").casefold()


FOR_ANOTHER_BOT: Final = ForAnotherBot()
# A private message that is only a link: editors get it posted.
LINK_ONLY: Final = filters.Regex(r"^\s*\S+://\S+\s*$") & ~filters.COMMAND & filters.ChatType.PRIVATE


GENERIC_ERROR: Final = N_("Sorry, something went wrong on my side. Please try again in a moment.")


async def on_error(update: object, context: Context) -> None:
    """Log and count every unhandled error and tell the user something went wrong (a button press: in its
    answer, since a callback query left unanswered keeps the user's button spinning)."""
    log.error("error while handling %r", update, exc_info=context.error)
    context.services.metrics.error("handler")
    if not isinstance(update, Update):
        return
    sorry = guess_tr(update, context)(GENERIC_ERROR)  # no database read: it may be what failed
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(sorry, show_alert=True)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, sorry)
    except TelegramError:  # e.g. the query was answered before the error
        log.warning("could not report the error for update %s", update.update_id)


def register_handlers(application: NewsApplication) -> None:
    """Attach every command of the table, the buttons, inline mode, membership and the fallbacks; each
    counts what it handles (`newsbot_updates_total{command}`: the command, or the handler's kind)."""
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, command.guarded(), filters=ONLY_MESSAGES))
    captioned = filters.Document.ALL & filters.CaptionRegex(r"^/importopml(@\w+)?(\s|$)") & ONLY_MESSAGES
    application.add_handler(MessageHandler(captioned, named("importopml").guarded()))  # a file's caption
    application.add_handler(
        CallbackQueryHandler(counted("language", language.on_language_button), pattern=language.BUTTONS)
    )
    application.add_handler(CallbackQueryHandler(counted("button", buttons.on_button)))
    application.add_handler(
        ChatMemberHandler(counted("membership", membership.my_chat_member), ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(InlineQueryHandler(counted("inline", inline.on_inline_query)))
    unknown = filters.COMMAND & ONLY_MESSAGES & ~FOR_ANOTHER_BOT
    application.add_handler(MessageHandler(unknown, counted("unknown", common.unknown_command)))
    application.add_handler(MessageHandler(LINK_ONLY & ONLY_MESSAGES, counted("link", admin.link_message)))
    plain = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & ONLY_MESSAGES
    application.add_handler(MessageHandler(plain, counted("text", common.plain_text)))
    application.add_error_handler(on_error)


async def publish_commands(application: NewsApplication, settings: Settings, catalog: Catalog) -> None:
    """Register the command menu, described in each shipped language (`language_code`; without one:
    BOT_LANGUAGE, for everyone else): subscribers' for everyone, plus editors' in each admin's chat."""
    bot = application.bot
    languages: list[str | None] = [None, *SHIPPED]
    for code in languages:
        await bot.set_my_commands(menu(catalog.get(code), Audience.EVERYONE), language_code=code)
    for admin_id in sorted(settings.admin_ids):
        try:
            for code in languages:
                await bot.set_my_commands(
                    menu(catalog.get(code), Audience.EVERYONE, Audience.EDITORS),
                    scope=BotCommandScopeChat(admin_id),
                    language_code=code,
                )
        except TelegramError as exc:  # e.g. the admin never opened a chat with the bot yet
            log.warning("could not set the editor command menu for %s: %s", admin_id, exc)


async def flush_alerts(context: Context) -> None:
    """JobQueue callback: summarize alerts held back by the rate limit once their window has passed."""
    context.services.alerts.flush()


def schedule_jobs(job_queue: JobQueue[Context], services: Services) -> None:
    """The repeating jobs besides the digests: feed polling, held-back alerts and, if configured, the
    heartbeat."""
    interval = services.feeds.tick
    job_queue.run_repeating(
        feeds.poll_job,
        interval=interval,
        first=min(interval, FIRST_FEED_POLL),
        name=feeds.JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    if services.alerts.enabled:
        job_queue.run_repeating(flush_alerts, interval=ALERT_FLUSH, name="alerts:flush")
    heartbeat = services.settings.heartbeat_file
    if heartbeat is not None:
        health.beat(heartbeat)  # healthy from the end of start-up on
        job_queue.run_repeating(
            health.heartbeat_job, interval=health.HEARTBEAT_SECONDS, name=health.JOB_NAME, data=heartbeat
        )


def file_url(api_url: str) -> str:
    """Where files are downloaded from: https://api.telegram.org/bot -> https://api.telegram.org/file/bot."""
    head, slash, last = api_url.rstrip("/").rpartition("/")
    return f"{head}{slash}file/{last}"


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    base_url: str | None = None,
    summarizer: Summarizer | None = None,
    embedder: Embedder | None = None,
    clock: Clock = utc_now,
    http_transport: httpx.AsyncBaseTransport | None = None,
    languages: LanguageDetector | None = None,
) -> NewsApplication:
    """Build the bot. `summarizer`, `embedder`, `clock`, the fetcher's HTTP transport and the language
    detector are injectable.

    Each application has its own Metrics (its own Prometheus registry), shared by the rate limiter and
    every service.
    """
    bot_token = token or settings.token()
    if not bot_token:
        raise ValueError("a bot token is required (BOT_TOKEN, or the playground's emulator token)")
    injected = Injected(summarizer, embedder, clock, http_transport, languages)
    metrics = Metrics()

    async def post_init(application: NewsApplication) -> None:
        await start_up(application, settings, injected, metrics)

    # every Bot API call (replies, digest sends) over one pooled aiohttp session; getUpdates its own,
    # one long poll at a time
    requests = (
        AiohttpRequest(RequestLimits(pool_size=send_concurrency(settings) + SPARE_CONNECTIONS)),
        AiohttpRequest(RequestLimits(pool_size=1)),
    )
    application: NewsApplication = (
        ApplicationBuilder()
        .token(bot_token)
        .base_url(base_url or settings.telegram_api_url)
        .base_file_url(file_url(base_url or settings.telegram_api_url))
        .defaults(DEFAULTS)
        .context_types(CONTEXT_TYPES)
        .rate_limiter(rate_limiter(settings, metrics))
        # every Bot API call (replies, digest sends) over one pooled aiohttp session; getUpdates its own
        .request(requests[0])
        .get_updates_request(requests[1])
        .concurrent_updates(True)
        .post_init(post_init)
        .post_stop(stopping)
        .post_shutdown(shut_down)
        .build()
    )
    register_handlers(application)
    application.bot_data.requests = requests
    return application


async def start_up(
    application: NewsApplication, settings: Settings, injected: Injected, metrics: Metrics
) -> None:
    """post_init: build the services, attach them, start the jobs, the menu, the delivery engine and the
    metrics server; tell the alert chat."""
    job_queue = application.job_queue
    if job_queue is None:  # PTB's job-queue extra is a dependency: this is a broken install
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    services = await build_services(settings, application.bot, job_queue, metrics, injected)
    application.bot_data.attach(services)
    if services.exporter is not None:
        await services.exporter.start()
    schedule_jobs(job_queue, services)
    await publish_commands(application, settings, services.i18n)
    restored = await services.schedule.start()
    # What start-up built lives as long as the bot (a job per subscriber: millions of objects at 100k):
    # keep it out of the cyclic GC's full collections, which otherwise rescan it all again and again
    # during a fan-out (at 100k: 10% of the CPU per digest message and p99 pauses). Undone on shutdown
    # so the frozen objects can be collected again.
    gc.freeze()
    services.delivery.start()
    log.info("ready: summarizer %s, %d digest job(s) scheduled", services.worker.name, restored)
    mode = "webhook" if settings.webhook_url else "long polling"
    services.alerts.started(f"{mode}, summarizer {services.worker.name}, {restored} digest job(s)")


async def stopping(application: NewsApplication) -> None:
    """post_stop: tell the alert chat while the bot can still send (shutdown closes its connections)."""
    await application.bot_data.services.alerts.stopped()


async def shut_down(application: NewsApplication) -> None:
    """post_shutdown: close the services in order."""
    gc.unfreeze()
    services = application.bot_data.detach()
    if services is not None:
        await services.close()


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
    application: NewsApplication, *, poll_interval: float = 0.0, webhook: Webhook | None = None
) -> AsyncIterator[NewsApplication]:
    """Run `application` inside an existing event loop, like run_polling / run_webhook do.

    With a webhook, PTB's server refuses (403) every request without the right
    X-Telegram-Bot-Api-Secret-Token header.
    """
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        if application.updater is None:
            raise RuntimeError("the application was built without an updater")
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
                if application.post_stop:  # as run_polling: only after a stop
                    await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


__all__ = ["Webhook", "build_application", "register_handlers", "running"]
