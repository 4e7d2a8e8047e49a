"""`python -m bot` as a real process: live mode against the emulator, SIGTERM, and no token in logs."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

from bot.emulator import FakeBotAPI
from tests.conftest import child_env


async def test_live_mode_answers_then_sigterm_stops_within_10s_without_leaking_the_token(
    emulator: FakeBotAPI, tmp_path: Path
) -> None:
    env = child_env(
        BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        SUMMARIZER="lead",
        LOG_LEVEL="DEBUG",
        ADMIN_IDS="111",
    )
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=log_file, stderr=log_file
        )
        try:
            emulator.send_message(42, "/start")
            (reply,) = await emulator.wait_for(42, 1, timeout=60)
            assert "/subscribe" in reply.text

            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), timeout=10)
            elapsed = time.monotonic() - started
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    log = log_path.read_text(errors="replace")
    assert code == 0, log[-2000:]
    assert elapsed < 10
    assert "ready" in log  # DEBUG logging did run
    secret = emulator.token.split(":", 1)[1]
    assert emulator.token not in log and secret not in log
