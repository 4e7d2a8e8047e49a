"""End to end: /metrics scraped over HTTP from the running bot after a post, a link, a digest and a 429
at the fake Bot API; each bot has its own registry; a port in use stops start-up with one error."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Webhook
from bot.emulator import FakeBotAPI
from bot.monitoring.exporter import ExporterError
from bot.services import Services
from bot.storage import FINISHED
from tests.conftest import USER_ID, BotHarness, Chat
from tests.digest_helpers import delivery_status, ledger_entries, services_of
from tests.site import Site
from tests.test_e2e_commands import STORY, post

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def scrape(port: int) -> Samples:
    """GET /metrics like Prometheus does and parse it: (sample name, labels) -> value."""
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with Site() as server:
        yield server


async def finish(services: Services, delivery_id: int, timeout: float = 30.0) -> str:
    """Wait until the delivery is finished; return its status."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (status := await delivery_status(services.store, delivery_id)) not in FINISHED:
        assert loop.time() < deadline, status
        await asyncio.sleep(0.05)
    return status


async def test_scrape_after_a_post_a_link_and_a_digest_with_a_429(
    harness: BotHarness, emulator: FakeBotAPI, admin: Chat, user: Chat, site: Site
) -> None:
    port = free_port()
    async with harness.run(metrics_port=port, allow_private_urls=True) as app:
        services = services_of(app)
        before = await scrape(port)
        # every source is exported from the start, at 0
        assert value(before, "newsbot_articles_ingested_total", source="paste") == 0
        assert value(before, "newsbot_digests_total", status="sent") == 0
        await post(admin, "Council approves budget", STORY)
        assert (await admin.result(f"/post {site.url('/article.html')}")).startswith("Posted as #2")
        assert "Subscribed!" in await user.ask("/subscribe")

        emulator.set_delay(0.5, "sendMessage")  # the digest stays "sending" long enough to be seen
        emulator.fail_next("sendMessage", status=429, retry_after=1)
        (delivery_id,) = await services.fanout.planner.plan([USER_ID], services.clock())
        services.delivery.kick()
        during = await scrape(port)
        assert value(during, "newsbot_deliveries_pending") == 1
        assert await finish(services, delivery_id) == "sent"
        emulator.set_delay(0, "sendMessage")
        after = await scrape(port)
        parts = [entry for entry in await ledger_entries(services.store) if entry.status == "sent"]

    assert value(after, "newsbot_articles_ingested_total", source="paste") == 1
    assert value(after, "newsbot_articles_ingested_total", source="link") == 1
    assert value(after, "newsbot_articles_ingested_total", source="feed") == 0
    assert value(after, "newsbot_summarize_seconds_count") == 2
    assert value(after, "newsbot_summarize_seconds_sum") > 0
    assert value(after, "newsbot_digests_planned_total") == 1
    assert value(after, "newsbot_digests_total", status="sent") == 1
    assert value(after, "newsbot_digests_total", status="failed") == 0
    assert len(parts) == 1 and value(after, "newsbot_digest_parts_sent_total") == 1
    assert value(after, "newsbot_digest_send_seconds_count") == 1
    assert value(after, "newsbot_digest_send_seconds_sum") >= 1.0  # the 429's wait and two slow answers
    assert value(after, "newsbot_telegram_rate_limited_total", method="sendMessage") == 1
    assert value(after, "newsbot_telegram_retry_after_seconds_total") == 1
    assert value(after, "newsbot_deliveries_pending") == 0
    assert value(after, "newsbot_updates_total", command="post") == 2
    assert value(after, "newsbot_updates_total", command="subscribe") == 1
    assert value(after, "newsbot_errors_total", component="handler") == 0


async def test_every_bot_counts_on_its_own_and_metrics_are_off_by_default(
    harness: BotHarness, admin: Chat
) -> None:
    port = free_port()
    async with harness.run() as app:
        assert services_of(app).exporter is None
        await post(admin, "Council approves budget", STORY)
    async with harness.run(metrics_port=port):  # a new bot in the same process starts from zero
        assert value(await scrape(port), "newsbot_updates_total", command="post") == 0
    with pytest.raises(httpx.ConnectError):  # stopped with the bot
        await scrape(port)


async def test_webhook_mode_serves_metrics_on_their_own_port(
    harness: BotHarness, emulator: FakeBotAPI, user: Chat
) -> None:
    webhook_port, metrics_port = free_port(), free_port()
    url = f"http://127.0.0.1:{webhook_port}/telegram"
    hook = Webhook(url=url, secret="s3cret", port=webhook_port, listen="127.0.0.1", path="telegram")
    async with harness.run(webhook=hook, metrics_port=metrics_port):
        assert "/subscribe" in await user.ask("/start")  # pushed by the fake Telegram to the webhook
        assert value(await scrape(metrics_port), "newsbot_updates_total", command="start") == 1
        async with httpx.AsyncClient() as client:  # and /metrics is not on the public webhook server
            assert (await client.get(f"http://127.0.0.1:{webhook_port}/metrics")).status_code != 200


async def test_a_metrics_port_in_use_stops_start_up(harness: BotHarness) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        with pytest.raises(ExporterError, match=f"cannot serve metrics on 127.0.0.1:{port}.*METRICS_PORT"):
            async with harness.run(metrics_port=port):
                pass
