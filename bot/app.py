"""The one factory that builds the bot: every handler, the start-up and shutdown hooks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import digest
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.handlers import admin, common, reading, subscription
from bot.handlers.replies import Context
from bot.services import Services, attach, services_of
from bot.storage import Store
from bot.summarizing import SummaryWorker
from summarizer import Summarizer

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


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


def register_handlers(application: AnyApplication) -> None:
    """Attach every command handler, the unknown-command hint and the error handler."""
    only_messages = filters.UpdateType.MESSAGE
    commands = {
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
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=only_messages))
    application.add_handler(MessageHandler(filters.COMMAND & only_messages, common.unknown_command))
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & only_messages, common.plain_text
        )
    )
    application.add_error_handler(on_error)


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    base_url: str | None = None,
    summarizer: Summarizer | None = None,
    clock: Clock = utc_now,
) -> AnyApplication:
    """Build the bot. `summarizer` and `clock` are injectable; by default the model loads at start-up."""
    bot_token = token or settings.token()
    if not bot_token:
        raise ValueError("a bot token is required (BOT_TOKEN, or the playground's emulator token)")

    async def post_init(application: AnyApplication) -> None:
        store = await Store.open(settings.database_url)
        try:
            worker = (
                SummaryWorker(summarizer)
                if summarizer
                else await SummaryWorker.load(settings.summarizer, settings.summarizer_model)
            )
        except BaseException:
            await store.close()
            raise
        services = Services(settings=settings, store=store, worker=worker, clock=clock)
        attach(application, services)
        await _publish_commands(application, settings)
        restored = await digest.restore_jobs(application, services)
        log.info("ready: summarizer %s, %d digest job(s) scheduled", worker.name, restored)

    async def post_shutdown(application: AnyApplication) -> None:
        services = services_of(application)
        if services is not None:
            services.worker.close()
            await services.store.close()

    application: AnyApplication = (
        ApplicationBuilder()
        .token(bot_token)
        .base_url(base_url or settings.telegram_api_url)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    register_handlers(application)
    return application


@asynccontextmanager
async def running(
    application: AnyApplication, *, poll_interval: float = 0.0
) -> AsyncIterator[AnyApplication]:
    """Run `application` with long polling inside an existing event loop, like run_polling does."""
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=poll_interval, allowed_updates=Update.ALL_TYPES)
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


__all__ = ["build_application", "register_handlers", "running"]
