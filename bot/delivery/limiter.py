"""PTB's AIORateLimiter with the bot's limits, counting every 429 Telegram answers.

The limiter retries a 429 itself (pausing every request for retry_after), so the engine only sees the
ones it gave up on; the counting happens around each HTTP attempt the limiter makes, so none is missed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.config import Settings
from bot.monitoring.metrics import Metrics

JSONDict = dict[str, Any]
Request = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]


def retry_after_seconds(exc: RetryAfter) -> float:
    """retry_after as seconds (PTB gives an int or a timedelta depending on its settings)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class CountingRateLimiter(AIORateLimiter):
    """AIORateLimiter that reports each 429 (method, retry_after) to the metrics."""

    def __init__(self, metrics: Metrics, **limits: Any) -> None:
        """`limits` are AIORateLimiter's arguments."""
        super().__init__(**limits)
        self._metrics = metrics

    async def process_request(
        self,
        callback: Request,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Rate-limit the request as AIORateLimiter does, counting every attempt answered 429."""
        metrics = self._metrics

        async def counted(*call_args: Any, **call_kwargs: Any) -> bool | JSONDict | list[JSONDict]:
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as exc:
                metrics.rate_limit_hit(endpoint, retry_after_seconds(exc))
                raise

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)


def rate_limiter(settings: Settings, metrics: Metrics) -> CountingRateLimiter:
    """SEND_RATE overall, Telegram's 20 a minute per group, and PTB's pause-all on a 429."""
    return CountingRateLimiter(
        metrics,
        overall_max_rate=settings.send_rate,
        overall_time_period=1,
        group_max_rate=20,
        group_time_period=60,
        max_retries=3,
    )
