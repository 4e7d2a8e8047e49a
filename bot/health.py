"""Liveness for container health checks: the bot touches HEARTBEAT_FILE from its event loop; `python -m
bot.health` tells whether that happened recently.

Written by hand because PTB has no health endpoint for long polling. The heartbeat is a JobQueue job, so it
stops when the event loop is stuck or the application has stopped, which is what a health check must see.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bot.config import ConfigError, load_settings

if TYPE_CHECKING:  # `python -m bot.health` runs every minute: it imports no more than the settings
    from telegram.ext import CallbackContext

HEARTBEAT_SECONDS: Final = 30.0
STALE_AFTER: Final = 3 * HEARTBEAT_SECONDS  # three missed beats: unhealthy
JOB_NAME: Final = "heartbeat"


def check_writable(path: Path) -> None:
    """Raise OSError unless the bot can write the heartbeat file; a file this creates reads as stale,
    so the health check stays red until start-up has finished."""
    existed = path.exists()
    with path.open("a", encoding="utf-8"):
        pass
    if not existed:
        os.utime(path, (0, 0))


def beat(path: Path) -> None:
    """Write the current time to the heartbeat file."""
    path.write_text(f"{time.time():.0f}\n", encoding="utf-8")


async def heartbeat_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """JobQueue callback: beat the file in `job.data` (a few bytes; no thread needed)."""
    if context.job is not None and isinstance(context.job.data, Path):
        beat(context.job.data)


def check(path: Path, now: float, stale_after: float = STALE_AFTER) -> str | None:
    """None when the heartbeat file was written within stale_after seconds, else why not."""
    try:
        age = now - path.stat().st_mtime
    except OSError as exc:
        return f"no heartbeat at {path}: {exc.strerror or exc}"
    return None if age <= stale_after else f"last heartbeat {age:.0f} s ago (more than {stale_after:.0f} s)"


def main() -> int:
    """Exit 0 if the bot's heartbeat is fresh, 1 if not (or HEARTBEAT_FILE is unset), printing why."""
    try:
        path = load_settings().heartbeat_file
    except ConfigError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    if path is None:
        print("unhealthy: HEARTBEAT_FILE is not set, so the bot writes no heartbeat", file=sys.stderr)
        return 1
    problem = check(path, time.time())
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
