"""LOG_FORMAT=json: one JSON object per log line, context ids as fields, the token redacted everywhere."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulator import FakeBotAPI
from bot.logsetup import JsonFormatter, RedactingFilter, setup_logging
from tests.conftest import child_env

TOKEN = "123456:ABCsecretTOKEN"


@pytest.fixture
def json_stream() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines into a buffer, as setup_logging configures it."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    setup_logging("DEBUG", [TOKEN], "json")
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_object_per_line_with_context_ids(json_stream: io.StringIO) -> None:
    log = logging.getLogger("bot.fanout")
    log.info("sent digest part %d of %d\nsecond line", 1, 3, extra={"chat_id": -100, "delivery_id": 7})
    log.warning("article %s summarized", 12, extra={"article_id": 12, "unrelated": "x"})
    first, second = lines(json_stream)
    assert first["level"] == "INFO" and first["logger"] == "bot.fanout"
    assert first["message"] == "sent digest part 1 of 3\nsecond line"  # a newline stays inside the object
    assert (first["chat_id"], first["delivery_id"]) == (-100, 7) and "article_id" not in first
    assert str(first["time"]).endswith("+00:00") and "T" in str(first["time"])
    assert second["article_id"] == 12 and "unrelated" not in second and second["level"] == "WARNING"


def test_the_token_never_appears_in_message_args_or_traceback(json_stream: io.StringIO) -> None:
    log = logging.getLogger("telegram.ext")
    log.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"failed https://api.telegram.org/bot{TOKEN}/getUpdates")
    except RuntimeError:
        log.exception("polling failed", extra={"chat_id": 5})
    assert TOKEN not in json_stream.getvalue() and "ABCsecretTOKEN" not in json_stream.getvalue()
    info, error = lines(json_stream)
    assert info["message"] == "POST https://api.telegram.org/bot<redacted>/getMe"
    assert "RuntimeError: failed https://api.telegram.org/bot<redacted>/getUpdates" in str(error["exc"])


def test_formatter_alone_renders_tracebacks_once() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, None)
    try:
        raise ValueError("bad")
    except ValueError:
        record.exc_info = sys.exc_info()
    RedactingFilter([]).filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "boom" and "ValueError: bad" in str(entry["exc"])


async def test_the_live_bot_logs_json_lines_without_the_token(emulator: FakeBotAPI, tmp_path: Path) -> None:
    env = child_env(
        BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        SUMMARIZER="lead",
        SEMANTIC="false",
        LOG_LEVEL="DEBUG",
        LOG_FORMAT="json",
    )
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=log_file, stderr=log_file
        )
        try:
            emulator.send_message(42, "/start")
            await emulator.wait_for(42, 1, timeout=60)
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=30) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    text = log_path.read_text(errors="replace")
    secret = emulator.token.split(":", 1)[1]
    assert emulator.token not in text and secret not in text
    records = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is one object
    assert any(str(r["message"]).startswith("ready: summarizer lead") for r in records)
    assert {"time", "level", "logger", "message"} <= set(records[0])
