"""The heartbeat the running bot writes, and `python -m bot.health` (the Docker HEALTHCHECK) reading it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from bot import health
from tests.conftest import BotHarness, child_env


def health_check(**env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot.health` as Docker would."""
    return subprocess.run(
        [sys.executable, "-m", "bot.health"], env=child_env(**env), capture_output=True, text=True, timeout=60
    )


def test_check_tells_fresh_from_stale_and_missing(tmp_path: Path) -> None:
    beat = tmp_path / "beat"
    assert "no heartbeat" in (health.check(beat, time.time()) or "")
    beat.write_text("1\n")
    now = beat.stat().st_mtime
    assert health.check(beat, now + health.STALE_AFTER) is None
    assert "more than 90 s" in (health.check(beat, now + health.STALE_AFTER + 5) or "")


async def test_running_bot_keeps_the_health_check_green(harness: BotHarness, tmp_path: Path) -> None:
    beat = tmp_path / "beat"
    async with harness.run(heartbeat_file=beat) as app:
        assert beat.exists()  # the first beat is written at the end of start-up
        ok = await asyncio.to_thread(health_check, HEARTBEAT_FILE=str(beat))
        assert ok.returncode == 0 and ok.stdout.strip() == "healthy", ok.stderr
        (job,) = app.job_queue.get_jobs_by_name(health.JOB_NAME)
        assert job.job.trigger.interval.total_seconds() == health.HEARTBEAT_SECONDS
        beat.unlink()
        await job.run(app)  # what the JobQueue does every 30 s
        assert beat.exists()
    stale = time.time() - 10 * health.HEARTBEAT_SECONDS  # as if the bot had hung ten beats ago
    os.utime(beat, (stale, stale))
    down = await asyncio.to_thread(health_check, HEARTBEAT_FILE=str(beat))
    assert down.returncode == 1 and "unhealthy: last heartbeat" in down.stderr


async def test_no_heartbeat_unless_configured(harness: BotHarness) -> None:
    async with harness.run() as app:
        assert not app.job_queue.get_jobs_by_name(health.JOB_NAME)
    unset = await asyncio.to_thread(health_check)
    assert unset.returncode == 1 and "HEARTBEAT_FILE is not set" in unset.stderr
