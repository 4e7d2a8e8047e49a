"""Entry point: `python -m bot` runs the live bot, or the local playground without BOT_TOKEN."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy.engine import make_url
from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.app import Webhook, build_application
from bot.config import ConfigError, Settings, StartupError, load_settings
from bot.context import NewsApplication
from bot.errors import NewsbotError
from bot.logsetup import setup_logging


def run_live(settings: Settings) -> int:
    """Long-poll Telegram (or serve the webhook of WEBHOOK_URL) until SIGINT/SIGTERM."""
    application = build_application(settings)
    webhook = Webhook.from_settings(settings)
    try:
        if webhook is None:
            application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
        else:
            application.run_webhook(
                **webhook.server_kwargs(), allowed_updates=Update.ALL_TYPES, close_loop=False
            )
    except InvalidToken:
        raise StartupError("BOT_TOKEN", "Telegram refused the token") from None
    except NetworkError as exc:
        raise StartupError("TELEGRAM_API_URL", f"cannot reach the Bot API: {exc}") from None
    finally:
        _close(application)
    return 0


def _close(application: NewsApplication) -> None:
    """Close the HTTP sessions a failed start left open (idempotent after a clean stop), then the loop."""
    loop = asyncio.get_event_loop()
    for request in application.bot_data.requests:
        loop.run_until_complete(request.shutdown())
    loop.close()


def secrets_of(settings: Settings) -> list[str]:
    """What no log line may show: the bot token and the database password."""
    password = make_url(settings.database_url).password
    return [secret for secret in (settings.token(), str(password or "")) if secret]


def start(settings: Settings) -> int:
    """Run the live bot, or the playground when there is no token."""
    setup_logging(settings.log_level, secrets_of(settings), settings.log_format)
    if settings.token() is None:
        print(
            "BOT_TOKEN is not set: starting the local playground (a fake Telegram on 127.0.0.1).", flush=True
        )
        from bot.playground import run_playground

        return run_playground(settings)
    return run_live(settings)


def main() -> int:
    """Validate the configuration, then run; any start-up failure is one line naming what to fix, exit 2.

    This is the one place that happens: settings (ConfigError), and what start-up finds out (StartupError
    from bot.wiring: heartbeat file, database, models; a refused token) in live mode and the playground.
    """
    try:
        return start(load_settings())
    except ConfigError as exc:
        print(f"newsbot: {exc}", file=sys.stderr, flush=True)
    except NewsbotError as exc:  # bot.errors draws the tree: anything raised on purpose
        print(f"newsbot: cannot start: {' '.join(str(exc).split())}", file=sys.stderr, flush=True)
    return 2


if __name__ == "__main__":
    sys.exit(main())
