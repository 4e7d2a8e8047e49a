"""The objects every handler needs, built once at start-up and kept in `bot_data`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext

from bot.clock import Clock
from bot.config import Settings
from bot.ingest.feeds import FeedPoller
from bot.ingest.fetch import Fetcher
from bot.ingest.pipeline import Ingestor
from bot.semantic import SemanticSearch
from bot.storage import Store
from bot.summarizing import SummaryWorker

if TYPE_CHECKING:
    from bot.delivery import DeliveryEngine
    from bot.fanout import FanOut

_KEY = "services"


@dataclass(frozen=True)
class Services:
    """What handlers and jobs share: settings, storage, worker, clock, ingest, search, digest delivery."""

    settings: Settings
    store: Store
    worker: SummaryWorker
    clock: Clock
    fetcher: Fetcher
    ingestor: Ingestor
    feeds: FeedPoller
    semantic: SemanticSearch
    delivery: DeliveryEngine
    fanout: FanOut

    def is_admin(self, user_id: int | None) -> bool:
        """Whether `user_id` is one of the configured editors."""
        return user_id is not None and user_id in self.settings.admin_ids


def attach(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    """Make `services` reachable from every callback context."""
    application.bot_data[_KEY] = services


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services | None:
    """The Services attached to a started application, or None before start-up finished."""
    services = application.bot_data.get(_KEY)
    return services if isinstance(services, Services) else None


def get_services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The Services attached at start-up (handlers only run after that)."""
    services = services_of(context.application)
    assert services is not None, "handlers run only after post_init attached the services"
    return services
