"""End to end: the alert chat (ALERT_CHAT_ID) through the real Application and the fake Bot API: start and
stop, a feed failing three times, a digest delivery that fails, planning that fails on a real database
error; never the article text nor the token."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.app import build_application, running
from bot.clock import utc_now
from bot.emulator import FakeBotAPI
from bot.services import Services
from bot.storage import Store
from tests.conftest import ADMIN_ID, BotHarness, Chat, child_env
from tests.delivery_helpers import seed, settle
from tests.digest_helpers import ledger_deliveries, services_of
from tests.site import FeedItem, Site
from tests.test_e2e_feeds import FULL_ITEM, poll
from tests.test_e2e_metrics import free_port, scrape, value

ALERTS = -100900  # the editors' group
SUBSCRIBER = 3131
ARTICLE_TITLE = "Story 0"  # what tests.delivery_helpers.seed posts


class MovableClock:
    """The real time plus an offset the test moves (feeds back off for hours)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with Site() as server:
        server.items.append(FeedItem("old-1", "Old story", server.url("/old"), "An old story. " * 50))
        yield server


async def alert(emulator: FakeBotAPI) -> str:
    """The next message in the alert chat."""
    (message,) = await emulator.wait_for(ALERTS, 1, timeout=20)
    return message.text


def assert_clean(message: str, emulator: FakeBotAPI) -> None:
    """No article text, no token (nor its secret half) in an alert, in any case (PTB lower-cases
    Telegram's descriptions)."""
    for secret in (ARTICLE_TITLE, emulator.token, emulator.token.split(":", 1)[1]):
        assert secret.lower() not in message.lower(), (secret, message)


async def test_start_and_stop_are_alerted(harness: BotHarness, emulator: FakeBotAPI) -> None:
    async with harness.run(alert_chat_id=ALERTS):
        started = await alert(emulator)
        assert started.startswith("✅ newsbot started on ") and "long polling" in started
        assert "summarizer extractive, 0 digest job(s)" in started
    assert "is stopping" in await alert(emulator)  # sent while the bot could still send


async def test_a_failed_delivery_is_alerted_without_its_article_or_the_token(
    harness: BotHarness, emulator: FakeBotAPI
) -> None:
    async with harness.run(alert_chat_id=ALERTS, send_retries=1, send_backoff=0.05) as app:
        services = services_of(app)
        await alert(emulator)  # started
        await seed(services.store, [SUBSCRIBER])
        # Telegram refuses the digest, quoting it (and, say, the URL it was sent to) in its description.
        emulator.fail_next(
            "sendMessage",
            status=400,
            description=f"Bad Request: can't send {ARTICLE_TITLE} <about> budgets to bot{emulator.token}",
        )
        await services.fanout.planner.plan([SUBSCRIBER], services.clock())
        services.delivery.kick()
        await settle(services.store, 1)
        ((_, status, reason),) = await ledger_deliveries(services.store)
        assert status == "failed" and ARTICLE_TITLE.lower() in (reason or "").lower()  # the ledger has it
        message = await alert(emulator)
        assert message.startswith(f"⚠️ The digest for chat {SUBSCRIBER} failed (delivery #1): bad request.")
        assert_clean(message, emulator)
        failed = services.metrics.registry.get_sample_value("newsbot_digests_total", {"status": "failed"})
        assert failed == 1


async def test_a_feed_failing_three_times_in_a_row_is_alerted_once(
    harness: BotHarness, emulator: FakeBotAPI, site: Site
) -> None:
    clock = MovableClock()
    settings = harness.settings.model_copy(
        update={"alert_chat_id": ALERTS, "allow_private_urls": True, "fetch_timeout_seconds": 2}
    )
    application = build_application(
        settings,
        token=emulator.token,
        base_url=emulator.base_url,
        summarizer=harness.summarizer,
        embedder=harness.embedder,
        clock=clock,
    )
    async with running(application) as app:
        services = services_of(app)
        await alert(emulator)  # started
        admin = Chat(emulator, ADMIN_ID)
        assert "Following feed #1" in await admin.result(f"/addfeed {site.url('/rss.xml')}")
        site.items.insert(0, FeedItem("new-1", "Airport adds routes", site.url("/routes"), FULL_ITEM))
        await poll(app)
        assert metric(services, "newsbot_articles_ingested_total", source="feed") == 1
        site.broken.add("/rss.xml")
        for _ in range(4):  # the alert comes with the third failure in a row, and only then
            await poll(app)
            clock.offset += timedelta(days=1)  # past the back-off
        message = await alert(emulator)
        assert message.startswith("⚠️ Feed #1 Coastal Times failed 3 times in a row: The page answered HTTP")
        assert site.url("/rss.xml") in message
        await asyncio.sleep(0.5)
        assert len(emulator.sent(ALERTS)) == 2  # started, then the one feed alert
        assert metric(services, "newsbot_feed_polls_total", result="failed") == 4
        assert metric(services, "newsbot_feed_polls_total", result="ok") == 1


def metric(services: Services, name: str, **labels: str) -> float:
    return services.metrics.registry.get_sample_value(name, labels) or 0.0


async def refuse_digest_texts(store: Store) -> None:
    """Make the database itself refuse to store digest texts (a trigger), as a full disk would."""
    async with store.db.engine.begin() as connection:
        if store.db.dialect == "sqlite":
            await connection.execute(
                text(
                    "CREATE TRIGGER refuse_texts BEFORE INSERT ON digest_texts "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                )
            )
            return
        await connection.execute(
            text(
                "CREATE FUNCTION refuse_texts() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$"
            )
        )
        await connection.execute(
            text(
                "CREATE TRIGGER refuse_texts BEFORE INSERT ON digest_texts "
                "FOR EACH ROW EXECUTE FUNCTION refuse_texts()"
            )
        )


async def test_failed_planning_is_alerted_with_the_error_type_only(
    harness: BotHarness, emulator: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness.run(alert_chat_id=ALERTS) as app:
        services = services_of(app)
        await alert(emulator)  # started
        await seed(services.store, [SUBSCRIBER])
        await refuse_digest_texts(services.store)
        with caplog.at_level(logging.WARNING, logger="bot.digest.planner"):
            services.fanout.request(SUBSCRIBER)  # what the chat's digest job does when it fires
            message = await alert(emulator)
        assert message.startswith("⚠️ Planning the digests of 1 chat(s) failed (attempt 1, ")
        assert "Details are in the log." in message
        assert ARTICLE_TITLE in caplog.text  # the database error quoted the digest: the log has it...
        assert_clean(message, emulator)  # ...the alert does not
        assert metric(services, "newsbot_errors_total", component="planning") == 1


async def test_a_real_process_alerts_start_and_sigterm_and_serves_metrics(
    emulator: FakeBotAPI, tmp_path: Path
) -> None:
    port = free_port()
    env = child_env(
        BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        SUMMARIZER="lead",
        SEMANTIC="false",
        ALERT_CHAT_ID=str(ALERTS),
        METRICS_PORT=str(port),
    )
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=log_file, stderr=log_file
        )
        try:
            assert "newsbot started" in await alert(emulator)
            emulator.send_message(42, "/start")
            await emulator.wait_for(42, 1, timeout=20)
            assert value(await scrape(port), "newsbot_updates_total", command="start") == 1
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=15) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert "is stopping" in await alert(emulator), log_path.read_text(errors="replace")[-2000:]
    with pytest.raises(httpx.ConnectError):
        await scrape(port)
