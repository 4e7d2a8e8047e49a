"""The bot's Prometheus metrics (prometheus-client), one registry per application.

Every collaborator that counts something gets the same `Metrics` from bot.wiring; nothing registers in
prometheus-client's global default registry, so many bots in one process (the tests) never share a count.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.storage.types import DeliveryStatus

SUMMARIZE_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SEND_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# How a digest delivery can end (`newsbot_digests_total{status}`).
DIGEST_OUTCOMES: Final = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.BLOCKED)
FEED_RESULTS: Final = ("ok", "failed")


class Metrics:
    """Counters, histograms and gauges of one bot, in a registry of its own (`registry`)."""

    def __init__(self) -> None:
        """Create every metric in a fresh registry; label sets known in advance start at 0."""
        self.registry = CollectorRegistry()
        registry = self.registry
        self.articles_ingested = Counter(
            "newsbot_articles_ingested", "Articles stored, by source", ["source"], registry=registry
        )
        self.summarize_seconds = Histogram(
            "newsbot_summarize_seconds",
            "Time the summarizer took for one article (in the worker thread)",
            buckets=SUMMARIZE_BUCKETS,
            registry=registry,
        )
        self.digests_planned = Counter(
            "newsbot_digests_planned",
            "Digest deliveries written to the ledger (empty ones included)",
            registry=registry,
        )
        self.digests = Counter(
            "newsbot_digests",
            "Digest deliveries the engine finished, by outcome (sent, failed, blocked)",
            ["status"],
            registry=registry,
        )
        self.parts_sent = Counter(
            "newsbot_digest_parts_sent", "Digest messages Telegram accepted", registry=registry
        )
        self.send_seconds = Histogram(
            "newsbot_digest_send_seconds",
            "Time one digest sendMessage took, rate-limiter waits included",
            buckets=SEND_BUCKETS,
            registry=registry,
        )
        self.deliveries_pending = Gauge(
            "newsbot_deliveries_pending",
            "Digest deliveries planned but not finished (pending or being sent), read at scrape time",
            registry=registry,
        )
        self._telegram_metrics(registry)
        self.feed_polls = Counter(
            "newsbot_feed_polls", "Feed polls, by result", ["result"], registry=registry
        )
        self.updates = Counter(
            "newsbot_updates", "Updates handled, by command (or handler)", ["command"], registry=registry
        )
        self.errors = Counter(
            "newsbot_errors", "Unexpected errors, by component", ["component"], registry=registry
        )
        self.alerts = Counter(
            "newsbot_alerts", "Alerts, by kind and outcome", ["kind", "outcome"], registry=registry
        )
        # the engine's children, looked up once (labels() costs more than the increment itself)
        self.digest_outcomes = {status: self.digests.labels(status=status) for status in DIGEST_OUTCOMES}
        for result in FEED_RESULTS:
            self.feed_polls.labels(result=result)

    def _telegram_metrics(self, registry: CollectorRegistry) -> None:
        """Telegram's flood control, as the rate limiter sees every answer."""
        self.rate_limited = Counter(
            "newsbot_telegram_rate_limited",
            "Telegram 429 (flood control) answers, by method",
            ["method"],
            registry=registry,
        )
        self.retry_after_seconds = Counter(
            "newsbot_telegram_retry_after_seconds",
            "Sum of the retry_after seconds Telegram asked for in its 429 answers",
            registry=registry,
        )

    def rate_limit_hit(self, method: str, retry_after: float) -> None:
        """Count one 429 answer to `method` that asked to wait `retry_after` seconds."""
        self.rate_limited.labels(method=method).inc()
        self.retry_after_seconds.inc(retry_after)

    def error(self, component: str) -> None:
        """Count one unexpected error in `component` (handler, planning, delivery, feeds, ...)."""
        self.errors.labels(component=component).inc()
