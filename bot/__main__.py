"""Entry point: `python -m bot` runs the live bot, or the local playground without BOT_TOKEN."""

from __future__ import annotations

import logging
import sys

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.app import Webhook, build_application
from bot.config import ConfigError, Settings, load_settings
from bot.errors import NewsbotError
from bot.logsetup import setup_logging

log = logging.getLogger("bot")


def run_live(settings: Settings) -> int:
    """Long-poll Telegram (or serve the webhook of WEBHOOK_URL) until SIGINT/SIGTERM."""
    application = build_application(settings)
    webhook = Webhook.from_settings(settings)
    try:
        if webhook is None:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
        else:
            application.run_webhook(**webhook.server_kwargs(), allowed_updates=Update.ALL_TYPES)
    except (NewsbotError, InvalidToken, NetworkError) as exc:  # bot.errors draws the tree
        log.critical("cannot start: %s", exc)
        return 1
    return 0


def main() -> int:
    """Validate the configuration, then run the live bot or the playground."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"newsbot: {exc}", file=sys.stderr)
        return 2
    token = settings.token()
    setup_logging(settings.log_level, [token] if token else [], settings.log_format)
    if token is None:
        print(
            "BOT_TOKEN is not set: starting the local playground (a fake Telegram on 127.0.0.1).", flush=True
        )
        from bot.playground import run_playground

        return run_playground(settings)
    return run_live(settings)


if __name__ == "__main__":
    sys.exit(main())
