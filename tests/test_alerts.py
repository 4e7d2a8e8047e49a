"""Alerts against the fake Bot API with an injected clock: the rate limit per kind, "and N more", the
summary after the window, sends that fail, and what an alert never says (article text, the token)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from telegram.ext import ExtBot

from bot.app import DEFAULTS
from bot.emulator import FakeBotAPI
from bot.monitoring.alerts import Alerts
from bot.monitoring.metrics import Metrics
from bot.storage.types import Feed

ALERT_CHAT = -100777
ARTICLE_TEXT = "Minister resigns over secret budget memo"
DB_PASSWORD = "pw-Kx81"


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
async def ext_bot(emulator: FakeBotAPI) -> AsyncIterator[ExtBot[None]]:
    """A PTB bot with the application's Defaults (HTML), pointed at the emulator."""
    async with ExtBot(emulator.token, base_url=emulator.base_url, defaults=DEFAULTS) as tg_bot:
        yield tg_bot


def make_alerts(bot: ExtBot[None], clock: Clock, metrics: Metrics, chat: int | None = ALERT_CHAT) -> Alerts:
    return Alerts(bot, chat, clock, metrics, secrets=[bot.token, DB_PASSWORD])


def feed(feed_id: int) -> Feed:
    return Feed(
        id=feed_id,
        url=f"https://example.com/{feed_id}.xml",
        title=f"Feed <{feed_id}>",
        added_by=1,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        etag=None,
        last_modified=None,
        failures=2,
        last_error="The page answered HTTP 500 (Internal Server Error).",
        last_polled_at=None,
        next_poll_at=None,
    )


def count(metrics: Metrics, kind: str, outcome: str) -> float:
    value = metrics.registry.get_sample_value("newsbot_alerts_total", {"kind": kind, "outcome": outcome})
    return value or 0.0


async def test_one_alert_per_kind_per_window_and_the_held_ones_fold_into_the_next(
    ext_bot: ExtBot[None], emulator: FakeBotAPI
) -> None:
    clock, metrics = Clock(), Metrics()
    alerts = make_alerts(ext_bot, clock, metrics)
    retry = clock.now + timedelta(minutes=5)
    for chat in range(13):  # a fan-out where every delivery fails within five minutes
        alerts.delivery_failed(1000 + chat, 50 + chat, "gave up after 6 attempts: Bad Gateway", retry)
        clock.advance(seconds=20)
    alerts.feed_failing(feed(3), 3, "The page answered HTTP 500 (Internal Server Error).")  # another kind
    await alerts.drain(5)
    first, feed_alert = await emulator.wait_for(ALERT_CHAT, 2)
    assert first.text.startswith(
        "⚠️ The digest for chat 1000 failed (delivery #50): gave up after 6 attempts."
    )
    assert "Bad Gateway" not in first.text  # Telegram's words stay in the log
    assert "Feed #3 Feed <3> failed 3 times in a row: The page answered HTTP 500" in feed_alert.text
    assert count(metrics, "delivery-failed", "held") == 12

    clock.now = datetime(2026, 11, 20, 19, 10, tzinfo=UTC)  # ten minutes after the first
    alerts.delivery_failed(2000, 99, "bad request: Bad Request: chat not found", retry)
    await alerts.drain(5)
    (second,) = await emulator.wait_for(ALERT_CHAT, 1)
    assert second.text.startswith("⚠️ The digest for chat 2000 failed (delivery #99): bad request.")
    assert second.text.endswith("…and 12 more since 19:00 UTC.")
    assert count(metrics, "delivery-failed", "sent") == 2
    clock.advance(minutes=9)
    alerts.delivery_failed(2001, 100, "bad request", retry)  # held again: the count starts over
    alerts.flush()
    await alerts.drain(5)
    assert len(emulator.sent(ALERT_CHAT)) == 3


async def test_held_alerts_are_summarized_once_the_window_has_passed(
    ext_bot: ExtBot[None], emulator: FakeBotAPI
) -> None:
    clock, metrics = Clock(), Metrics()
    alerts = make_alerts(ext_bot, clock, metrics)
    for feed_id in (1, 2, 3):
        alerts.feed_failing(feed(feed_id), 3, "Couldn't find the host example.com.")
        clock.advance(minutes=1)
    alerts.feed_failing(feed(4), 4, "still failing")  # past the third failure: no alert at all
    alerts.flush()  # within the window: nothing yet
    await alerts.drain(5)
    assert len(await emulator.wait_for(ALERT_CHAT, 1)) == 1
    clock.advance(minutes=8)
    alerts.flush()
    await alerts.drain(5)
    (summary,) = await emulator.wait_for(ALERT_CHAT, 1)
    assert summary.text.startswith("⚠️ …and 2 more failing feeds since 19:01 UTC")
    alerts.flush()  # said once
    await alerts.drain(5)
    assert len(emulator.sent(ALERT_CHAT)) == 2


async def test_never_the_article_text_nor_the_token_nor_the_database_password(
    ext_bot: ExtBot[None], emulator: FakeBotAPI
) -> None:
    clock, metrics = Clock(), Metrics()
    alerts = make_alerts(ext_bot, clock, metrics)
    # What a real database error says: the statement and its parameters (the digest's HTML).
    error = IntegrityError(
        "INSERT INTO digest_texts (hash, html) VALUES (?, ?)",
        ("ab12", f"<b>{ARTICLE_TEXT}</b> postgresql://bot:{DB_PASSWORD}@db/news {ext_bot.token}"),
        Exception("constraint failed"),
    )
    assert ARTICLE_TEXT in str(error) and ext_bot.token in str(error)
    alerts.planning_retried(chats=12, attempt=2, error=error, retry_in=30)
    alerts.delivery_failed(
        5, 6, f"bad request: Bad Request: can't send {ARTICLE_TEXT} {ext_bot.token}", clock()
    )
    alerts.feed_failing(
        feed(7), 3, f"Couldn't fetch https://x.example/bot{ext_bot.token}?p={DB_PASSWORD} (ConnectError)."
    )
    alerts.started(f"webhook, token {ext_bot.token}")
    await alerts.drain(5)
    planning, delivery, feed_alert, started = await emulator.wait_for(ALERT_CHAT, 4)
    assert planning.text == (
        "⚠️ Planning the digests of 12 chat(s) failed (attempt 2, IntegrityError); retrying in 30 s. "
        "Details are in the log."
    )
    assert delivery.text.startswith("⚠️ The digest for chat 5 failed (delivery #6): bad request.")
    assert "[redacted]" in feed_alert.text and "[redacted]" in started.text
    for message in (planning, delivery, feed_alert, started):
        for secret in (ARTICLE_TEXT, ext_bot.token, ext_bot.token.split(":")[1], DB_PASSWORD):
            assert secret not in message.raw_text, (secret, message.raw_text)


async def test_an_alert_that_cannot_be_sent_is_logged_and_breaks_nothing(
    ext_bot: ExtBot[None], emulator: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    clock, metrics = Clock(), Metrics()
    alerts = make_alerts(ext_bot, clock, metrics)
    emulator.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    with caplog.at_level(logging.WARNING, logger="bot.monitoring.alerts"):
        alerts.started("long polling")
        await alerts.drain(5)
    assert "could not send the started alert" in caplog.text and "Chat not found" in caplog.text
    assert count(metrics, "started", "failed") == 1
    assert emulator.sent(ALERT_CHAT) == []
    emulator.fail_next("sendMessage", status=500, count=10)  # Telegram down: still nothing raised
    alerts.delivery_failed(1, 2, "gave up after 6 attempts", clock())
    await alerts.drain(5)
    assert count(metrics, "delivery-failed", "failed") == 1


async def test_stopping_sends_at_once_and_later_alerts_are_only_logged(
    ext_bot: ExtBot[None], emulator: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    clock, metrics = Clock(), Metrics()
    alerts = make_alerts(ext_bot, clock, metrics)
    await alerts.stopped()
    assert "is stopping" in emulator.sent(ALERT_CHAT)[0].text  # sent before stopped() returned
    with caplog.at_level(logging.WARNING, logger="bot.monitoring.alerts"):
        alerts.planning_retried(chats=1, attempt=1, error=RuntimeError("x"))
    await alerts.drain(5)
    assert len(emulator.sent(ALERT_CHAT)) == 1
    assert "planning-retried alert not sent: the bot has stopped" in caplog.text


async def test_without_an_alert_chat_nothing_is_sent(ext_bot: ExtBot[None], emulator: FakeBotAPI) -> None:
    alerts = make_alerts(ext_bot, Clock(), Metrics(), chat=None)
    alerts.started("long polling")
    alerts.delivery_failed(1, 2, "gave up", datetime.now(UTC))
    await alerts.stopped()
    assert not alerts.enabled
    assert emulator.calls("sendMessage") == []
