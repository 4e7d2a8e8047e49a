"""GET /metrics in the Prometheus text format, on METRICS_LISTEN:METRICS_PORT.

An aiohttp server on the bot's own event loop, not prometheus-client's `start_http_server` (a thread):
gauges read from the database at scrape time (deliveries pending) are awaited through the bot's async
engine, never blocking the loop and never touching it from another thread. It is a port of its own in
both polling and webhook mode: PTB's webhook server (tornado) has no hook for extra routes, and a separate
port keeps /metrics off the public webhook address (METRICS_LISTEN defaults to 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web
from prometheus_client.exposition import choose_encoder
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import NewsbotError
from bot.monitoring.metrics import Metrics

log = logging.getLogger(__name__)

REFRESH_TIMEOUT: Final = 5.0  # a scrape waits this long for the database gauges, then serves the last ones
Refresh = Callable[[], Awaitable[None]]


class ExporterError(NewsbotError):
    """The metrics server could not listen (address in use, unknown address)."""


class MetricsExporter:
    """Serves `metrics` at /metrics; `refresh` updates the database-backed gauges before each scrape."""

    def __init__(self, metrics: Metrics, *, listen: str, port: int, refresh: Refresh) -> None:
        """Listen on `listen`:`port` once started."""
        self._metrics, self._listen, self._port, self._refresh = metrics, listen, port, refresh
        self._runner: web.AppRunner | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where the server listens."""
        return self._listen, self._port

    async def start(self) -> None:
        """Bind and serve; raise ExporterError if the address cannot be bound."""
        app = web.Application()
        app.router.add_get("/metrics", self._scrape)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._listen, self._port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ExporterError(
                f"cannot serve metrics on {self._listen}:{self._port} (METRICS_LISTEN/METRICS_PORT): "
                f"{exc.strerror or exc}"
            ) from None
        self._runner = runner
        log.info("metrics served at http://%s:%d/metrics", self._listen, self._port)

    async def stop(self) -> None:
        """Stop serving."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _scrape(self, request: web.Request) -> web.Response:
        """The registry in the format the scraper asked for (text 0.0.4 by default, or OpenMetrics)."""
        try:
            await asyncio.wait_for(self._refresh(), REFRESH_TIMEOUT)
        except (TimeoutError, SQLAlchemyError, OSError) as exc:  # serve the last values rather than nothing
            log.warning("metrics: reading the database gauges failed (%s)", type(exc).__name__)
            self._metrics.error("metrics")
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(self._metrics.registry), headers={"Content-Type": content_type})
