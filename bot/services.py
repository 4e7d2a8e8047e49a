"""The objects every handler and job shares, built once at start-up (bot.wiring) and closed on shutdown."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels import ChannelService
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.engine import DeliveryEngine
from bot.digest.planner import FanOut
from bot.digest.render import DigestRenderer
from bot.digest.schedule import DigestSchedule
from bot.i18n.catalog import Catalog
from bot.ingest.feeds import FeedPoller
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import Ingestor
from bot.locks import ChatLocks
from bot.monitoring.alerts import Alerts
from bot.monitoring.exporter import MetricsExporter
from bot.monitoring.metrics import Metrics
from bot.semantic.search import SemanticSearch
from bot.semantic.worker import SummaryWorker
from bot.storage import Store


@dataclass(frozen=True)
class Services:
    """What handlers and jobs share: settings, storage, worker, clock, ingest, search, the digest, the
    channels, the metrics (and their server, when METRICS_PORT is set), the alerts and the languages
    (`i18n`: the shipped catalogs; handlers get the reader's with `bot.handlers.replies.tr`)."""

    settings: Settings
    store: Store
    worker: SummaryWorker
    clock: Clock
    fetcher: Fetcher
    ingestor: Ingestor
    feeds: FeedPoller
    semantic: SemanticSearch
    renderer: DigestRenderer
    delivery: DeliveryEngine
    fanout: FanOut
    schedule: DigestSchedule
    channels: ChannelService
    metrics: Metrics
    alerts: Alerts
    i18n: Catalog
    exporter: MetricsExporter | None
    # Held by everything that changes a chat's settings, topics or job (bot.handlers.access.one_at_a_time).
    chat_locks: ChatLocks = field(default_factory=ChatLocks)

    def is_admin(self, user_id: int | None) -> bool:
        """Whether `user_id` is one of the configured editors."""
        return user_id is not None and user_id in self.settings.admin_ids

    async def close(self) -> None:
        """Stop in dependency order: stop serving metrics, plan what is gathering, stop sending, then the
        worker, HTTP, database."""
        if self.exporter is not None:
            await self.exporter.stop()
        await self.fanout.close()
        await self.delivery.stop()
        self.worker.close()
        await self.fetcher.close()
        await self.store.close()
