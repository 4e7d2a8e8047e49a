"""Short messages to the editors' chat (ALERT_CHAT_ID) when something needs a person: a feed failing
again and again, digest deliveries that failed, planning that had to be retried, the bot starting and
stopping.

Rate-limited per kind: at most one message per `RATE_WINDOW`; the ones held back are counted and folded
into the next message of that kind ("and 12 more"), or, when none follows, into a summary `flush` sends
once the window has passed. An alert never carries article text or an exception's message (database
errors quote the statement's parameters, which hold article text): only what failed, ids, counts and
the error's type, with the bot token and database password redacted from every value put in. Sending is
fire-and-forget, and an alert that cannot be sent is logged, so alerting never delays or breaks the code
that raised it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from telegram import Bot
from telegram.error import TelegramError

from bot.clock import Clock
from bot.delivery.send import send_html
from bot.formatting import esc
from bot.monitoring.metrics import Metrics
from bot.storage.types import Feed

log = logging.getLogger(__name__)

RATE_WINDOW: Final = timedelta(minutes=10)
FEED_FAILURES: Final = 3  # consecutive failed polls of one feed that raise an alert
MAX_REASON_CHARS: Final = 200
STOP_TIMEOUT: Final = 5.0  # seconds the stop message (and alerts still in flight) may take


class AlertKind(StrEnum):
    """What an alert is about; each kind is rate-limited on its own."""

    FEED_FAILING = "feed-failing"
    DELIVERY_FAILED = "delivery-failed"
    PLANNING_RETRIED = "planning-retried"
    STARTED = "started"
    STOPPED = "stopped"


# How `flush` names held-back alerts: "and 12 more <noun> since 19:00 UTC".
NOUNS: Final = {
    AlertKind.FEED_FAILING: "failing feeds",
    AlertKind.DELIVERY_FAILED: "failed digest deliveries",
    AlertKind.PLANNING_RETRIED: "digest planning failures",
    AlertKind.STARTED: "starts",
    AlertKind.STOPPED: "stops",
}


@dataclass
class _Window:
    """One kind's rate limit: when its last message went out and what was held back since."""

    sent_at: datetime
    held: int = 0
    held_since: datetime | None = None


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by a placeholder (plain text: redact before escaping)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def clip(text: str) -> str:
    """One line of at most MAX_REASON_CHARS characters."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_REASON_CHARS else line[: MAX_REASON_CHARS - 1] + "…"


def short_reason(reason: str) -> str:
    """The engine's own words of a delivery failure ("gave up after 6 attempts"), not the detail after
    them (Telegram's description, which may quote what was sent)."""
    return clip(reason.split(": ", 1)[0])


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%H:%M} UTC"


class Alerts:
    """Sends alerts to one chat through the bot (`send_html`); inert when no chat is configured."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int | None,
        clock: Clock,
        metrics: Metrics,
        *,
        secrets: Iterable[str] = (),
        window: timedelta = RATE_WINDOW,
    ) -> None:
        """Alert `chat_id` (None: alerts are only logged); `secrets` never appear in a message."""
        self._bot, self._chat_id, self._clock, self._metrics = bot, chat_id, clock, metrics
        self._secrets = [s for s in secrets if s]
        self._window = window
        self._windows: dict[AlertKind, _Window] = {}
        self._sending: set[asyncio.Task[None]] = set()
        self._closed = False
        self.host = socket.gethostname()

    @property
    def enabled(self) -> bool:
        """Whether an alert chat is configured."""
        return self._chat_id is not None

    # --- the events ---

    def feed_failing(self, feed: Feed, failures: int, reason: str) -> None:
        """A feed's poll failed `failures` times in a row (alerts at FEED_FAILURES)."""
        if failures != FEED_FAILURES:
            return
        self._raise(
            AlertKind.FEED_FAILING,
            f"⚠️ Feed #{feed.id} <b>{self._text(feed.title)}</b> failed {failures} times in a row: "
            f"{self._text(clip(reason))}\n{self._text(feed.url)}\n"
            "It is retried with back-off; /feeds shows it.",
        )

    def delivery_failed(self, chat_id: int, delivery_id: int, reason: str, retry_at: datetime) -> None:
        """A chat's digest delivery ended `failed` (it is retried at `retry_at`)."""
        self._raise(
            AlertKind.DELIVERY_FAILED,
            f"⚠️ The digest for chat {chat_id} failed (delivery #{delivery_id}): "
            f"{self._text(short_reason(reason))}. "
            f"Retried at {_utc(retry_at)}.",
        )

    def planning_retried(
        self, *, chats: int, attempt: int, error: BaseException, retry_in: float | None = None
    ) -> None:
        """Planning a batch of `chats` digests failed on `attempt`; retried in `retry_in` s (None: not)."""
        then = f"retrying in {retry_in:g} s" if retry_in is not None else "not retried"
        self._raise(
            AlertKind.PLANNING_RETRIED,
            f"⚠️ Planning the digests of {chats} chat(s) failed (attempt {attempt}, "
            f"{esc(type(error).__name__)}); {then}. Details are in the log.",
        )

    def started(self, detail: str) -> None:
        """The bot finished starting up."""
        self._raise(
            AlertKind.STARTED, f"✅ newsbot started on {self._text(self.host)}: {self._text(detail)}."
        )

    async def stopped(self) -> None:
        """The bot is stopping: send that (and whatever is still in flight) now; later alerts are logged."""
        self._raise(AlertKind.STOPPED, f"⏹ newsbot on {self._text(self.host)} is stopping.")
        await self.drain(STOP_TIMEOUT)
        self._closed = True

    def flush(self) -> None:
        """Send a summary for each kind whose window has passed with alerts held back (a periodic job)."""
        now = self._clock()
        for kind, window in list(self._windows.items()):
            if window.held and window.held_since is not None and now - window.sent_at >= self._window:
                minutes = self._window.total_seconds() / 60
                self._windows[kind] = _Window(sent_at=now)
                self._spawn(
                    kind,
                    f"⚠️ …and {window.held} more {NOUNS[kind]} since {_utc(window.held_since)} "
                    f"(one alert of a kind every {minutes:g} minutes; the log has each).",
                )

    async def drain(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the alerts being sent."""
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=timeout)

    # --- rate limit and sending ---

    def _text(self, value: str) -> str:
        """A value for the message: secrets redacted, then escaped for Telegram HTML."""
        return esc(redact(value, self._secrets))

    def _raise(self, kind: AlertKind, text: str) -> None:
        """Send `text` unless this kind was sent within the window (then count it for the next one)."""
        if self._chat_id is None:
            return
        now = self._clock()
        window = self._windows.get(kind)
        if window is not None and now - window.sent_at < self._window:
            window.held += 1
            window.held_since = window.held_since or now
            self._metrics.alerts.labels(kind=kind, outcome="held").inc()
            return
        if window is not None and window.held and window.held_since is not None:
            text += f"\n…and {window.held} more since {_utc(window.held_since)}."
        self._windows[kind] = _Window(sent_at=now)
        self._spawn(kind, text)

    def _spawn(self, kind: AlertKind, text: str) -> None:
        """Send `text` in the background (redacted), unless the bot has stopped."""
        if self._closed:
            log.warning("%s alert not sent: the bot has stopped", kind)
            self._metrics.alerts.labels(kind=kind, outcome="failed").inc()
            return
        task = asyncio.create_task(self._send(kind, text), name=f"alert-{kind}")
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, kind: AlertKind, text: str) -> None:
        """Send one alert; a failure is logged and counted, never raised."""
        assert self._chat_id is not None
        try:
            await send_html(self._bot, self._chat_id, text)
        except (TelegramError, RuntimeError) as exc:  # RuntimeError: the bot's HTTP client is closed
            log.warning("could not send the %s alert to chat %s: %s", kind, self._chat_id, exc)
            self._metrics.alerts.labels(kind=kind, outcome="failed").inc()
            return
        self._metrics.alerts.labels(kind=kind, outcome="sent").inc()
