"""Start-up failures of `python -m bot` as a real process: one line naming the variable, exit code 2, in live
mode and in the playground alike, and never the database password."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from bot.__main__ import secrets_of
from bot.config import ConfigError, Settings, check_timezone, load_settings
from bot.emulator import FakeBotAPI
from tests.conftest import child_env

PASSWORD = "pw-s3cret-9"
UNREACHABLE_PG = f"postgresql+asyncpg://newsbot:{PASSWORD}@127.0.0.1:9/newsbot"  # port 9: nothing listens


def failures(tmp_path: Path) -> dict[str, dict[str, str]]:
    """Settings that are well-formed but cannot work here (root ignores file modes, so a regular file
    stands where a folder should be), and a few that are malformed; keyed by a test id."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    return {
        "heartbeat-unwritable": {"HEARTBEAT_FILE": str(blocker / "beat")},
        "heartbeat-is-a-folder": {"HEARTBEAT_FILE": str(tmp_path)},
        "summarizer-unknown": {"SUMMARIZER": "bart-large"},
        "sqlite-path-uncreatable": {"DATABASE_URL": f"sqlite+aiosqlite:///{blocker}/sub/bot.db"},
        "sqlite-not-a-database": {"DATABASE_URL": f"sqlite+aiosqlite:///{blocker}"},
        "database-scheme-unknown": {"DATABASE_URL": f"mysql://newsbot:{PASSWORD}@db/newsbot"},
        "database-driver-sync": {"DATABASE_URL": f"postgresql://newsbot:{PASSWORD}@db/newsbot"},
        "database-unreachable": {"DATABASE_URL": UNREACHABLE_PG},
        "admin-is-a-group": {"ADMIN_IDS": "111,-1001234567890"},
        "timezone-not-a-zone": {"TIMEZONE": "posixrules"},
    }


def variable_of(case: dict[str, str]) -> str:
    """The variable the one line must name."""
    (variable,) = case
    return variable


async def run_bot(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run `python -m bot` with stdin closed; return its exit code and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stderr.decode(errors="replace")


def assert_one_line(code: int, stderr: str, variable: str) -> None:
    """Exit 2 and one stderr line naming `variable`, no traceback, no password."""
    lines = stderr.strip().splitlines()
    assert code == 2, stderr[-3000:]
    assert len(lines) == 1, stderr[-3000:]
    assert lines[0].startswith("newsbot: ") and variable in lines[0], lines
    assert "Traceback" not in stderr
    assert PASSWORD not in stderr


CASES = [
    "heartbeat-unwritable",
    "heartbeat-is-a-folder",
    "summarizer-unknown",
    "sqlite-path-uncreatable",
    "sqlite-not-a-database",
    "database-scheme-unknown",
    "database-driver-sync",
    "database-unreachable",
    "admin-is-a-group",
    "timezone-not-a-zone",
]
# Those found only once start-up runs (after the settings validated): also run in live mode.
AT_START_UP = ["heartbeat-unwritable", "sqlite-path-uncreatable", "database-unreachable"]


@pytest.mark.parametrize("case", CASES)
async def test_playground_start_up_failure_is_one_line_exit_2(tmp_path: Path, case: str) -> None:
    settings = failures(tmp_path)[case]
    defaults = {"SUMMARIZER": "lead", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/ok.db"}
    env = child_env(**(defaults | settings))
    env.pop("BOT_TOKEN", None)
    code, stderr = await run_bot(env, tmp_path)
    assert_one_line(code, stderr, variable_of(settings))


@pytest.mark.parametrize("case", AT_START_UP)
async def test_live_start_up_failure_is_one_line_exit_2(
    emulator: FakeBotAPI, tmp_path: Path, case: str
) -> None:
    settings = failures(tmp_path)[case]
    defaults = {
        "BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": emulator.base_url,
        "SUMMARIZER": "lead",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/ok.db",
    }
    code, stderr = await run_bot(child_env(**(defaults | settings)), tmp_path)
    assert_one_line(code, stderr, variable_of(settings))
    assert emulator.calls("getUpdates") == []  # stopped before polling


async def test_live_refused_token_is_one_line_exit_2(emulator: FakeBotAPI, tmp_path: Path) -> None:
    env = child_env(
        BOT_TOKEN="999:not-this-bot",
        TELEGRAM_API_URL=emulator.base_url,
        SUMMARIZER="lead",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/ok.db",
    )
    code, stderr = await run_bot(env, tmp_path)
    # PTB logs its own bootstrap error first (token redacted); the bot's verdict is the last line.
    assert code == 2, stderr[-3000:]
    assert stderr.strip().splitlines()[-1] == "newsbot: cannot start: BOT_TOKEN: Telegram refused the token"
    assert "not-this-bot" not in stderr


def test_only_real_zone_keys_are_time_zones() -> None:
    assert check_timezone("Europe/Berlin") == "Europe/Berlin"
    assert check_timezone(" america/new_york ") == "America/New_York"  # any case: the key is stored
    assert check_timezone("UTC") == "UTC"
    for name in ["localtime", "posixrules", "Factory", "Europe", "America/", "posix/Europe/Berlin"]:
        with pytest.raises(ValueError, match="unknown time zone"):
            check_timezone(name)
    for name in ["right/UTC", "../../etc/passwd", "Europe/Ber\x00lin", "", "Etc", "zone.tab", "tzdata.zi"]:
        with pytest.raises(ValueError, match="unknown time zone"):
            check_timezone(name)


@pytest.mark.parametrize("value", ["-5", "1,-1001234567890", "0"])
def test_admin_ids_are_users_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADMIN_IDS", value)
    with pytest.raises(ConfigError, match=r"ADMIN_IDS: .* not a user id"):
        load_settings()


def test_bad_database_url_never_shows_its_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for url in [
        f"mysql://u:{PASSWORD}@h/d",
        f"postgresql+psycopg2://u:{PASSWORD}@h/d",
        f"nonsense {PASSWORD}",
    ]:
        monkeypatch.setenv("DATABASE_URL", url)
        with pytest.raises(ConfigError, match="DATABASE_URL") as raised:
            load_settings()
        assert PASSWORD not in str(raised.value)


def test_logs_redact_the_token_and_the_database_password() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, bot_token="123:tok", database_url=f"postgresql+asyncpg://u:{PASSWORD}@db/newsbot"
    )
    assert secrets_of(settings) == ["123:tok", PASSWORD]
    assert secrets_of(Settings(_env_file=None)) == []  # type: ignore[call-arg]
