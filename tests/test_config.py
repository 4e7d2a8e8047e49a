"""Configuration: defaults, validation, and the one-line exit-2 failure at start-up."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.logsetup import RedactingFilter
from summarizer.runtime import DEFAULT_RUNTIME, RUNTIMES
from tests.conftest import child_env

ENV_VARS = [
    "BOT_TOKEN",
    "ADMIN_IDS",
    "DATABASE_URL",
    "TELEGRAM_API_URL",
    "DIGEST_TIME",
    "TIMEZONE",
    "SUMMARIZER",
]

INGEST_VARS = [
    "ALLOW_PRIVATE_URLS",
    "FETCH_TIMEOUT_SECONDS",
    "FETCH_MAX_BYTES",
    "FETCH_MAX_REDIRECTS",
    "FEED_POLL_MINUTES",
]

MONITORING_VARS = ["METRICS_PORT", "METRICS_LISTEN", "ALERT_CHAT_ID", "WEBHOOK_URL", "WEBHOOK_SECRET", "PORT"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [
        *ENV_VARS,
        "LOG_LEVEL",
        "MAX_ARTICLE_CHARS",
        "SUMMARIZER_DEVICE",
        "SUMMARIZER_RUNTIME",
        "SUMMARIZER_ONNX_DIR",
        "LOG_FORMAT",
        "DIGEST_CATCHUP_HOURS",
        *INGEST_VARS,
        *MONITORING_VARS,
    ]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = load_settings()
    assert settings.token() is None
    assert settings.admin_ids == frozenset()
    assert settings.database_url == "sqlite+aiosqlite:///newsbot.db"
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.digest_time == time(19, 0)
    assert settings.timezone == "UTC"
    assert settings.summarizer == "extractive"
    assert settings.log_level == "INFO"
    assert settings.max_article_chars == 100_000
    assert settings.summarizer_device == "auto" and settings.log_format == "text"
    assert settings.summarizer_runtime == DEFAULT_RUNTIME and settings.summarizer_onnx_dir is None


def test_device_and_log_format_are_read_case_insensitively(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_DEVICE", " CUDA ")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    monkeypatch.setenv("SUMMARIZER_RUNTIME", " Torch ")
    settings = load_settings()
    assert settings.summarizer_device == "cuda" and settings.log_format == "json"
    assert settings.summarizer_runtime == "torch"


def test_runtime_choices_and_onnx_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The setting accepts exactly the summarizer's runtimes, so a valid value never fails later.
    for runtime in RUNTIMES:
        monkeypatch.setenv("SUMMARIZER_RUNTIME", runtime)
        assert load_settings().summarizer_runtime == runtime
    monkeypatch.setenv("SUMMARIZER_ONNX_DIR", "  ")
    assert load_settings().summarizer_onnx_dir is None
    monkeypatch.setenv("SUMMARIZER_ONNX_DIR", str(tmp_path / "onnx"))
    assert load_settings().summarizer_onnx_dir == tmp_path / "onnx"


def test_env_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ADMIN_IDS=1, 2,3\nDIGEST_TIME=07:05\nTIMEZONE=Europe/Berlin\n")
    monkeypatch.setenv("DIGEST_TIME", "18:30")  # the environment wins over .env
    settings = load_settings()
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.digest_time == time(18, 30)
    assert settings.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DIGEST_TIME", "25:99"),
        ("TIMEZONE", "Mars/Base"),
        ("ADMIN_IDS", "12,abc"),
        ("LOG_LEVEL", "LOUD"),
        ("LEDGER_RETENTION_DAYS", "30"),  # /stats charts 30 days
        ("SUMMARIZER_DEVICE", "tpu"),
        ("SUMMARIZER_RUNTIME", "tensorrt"),
        ("SUMMARIZER_RUNTIME", "int8"),
        ("LOG_FORMAT", "xml"),
        ("METRICS_PORT", "metrics"),
        ("METRICS_PORT", "70000"),
        ("METRICS_LISTEN", "all interfaces"),
        ("ALERT_CHAT_ID", "@editors"),
        ("ALERT_CHAT_ID", "0"),
    ],
)
def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DIGEST_TIME", "25:99"),
        ("TIMEZONE", "Mars/Base"),
        ("SUMMARIZER_DEVICE", "gpu"),
        ("SUMMARIZER_RUNTIME", "openvino"),
        ("LOG_FORMAT", "xml"),
        ("METRICS_PORT", "x"),
        ("ALERT_CHAT_ID", "editors"),
    ],
)
def test_bad_value_stops_start_up_with_exit_2(tmp_path: Path, variable: str, value: str) -> None:
    env = child_env(**{variable: value})
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr


def test_token_is_secret_in_repr() -> None:
    settings = Settings(bot_token="123:SECRET")
    assert "SECRET" not in repr(settings)
    assert settings.token() == "123:SECRET"


def test_redacting_filter_hides_token_in_message_args_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    token = "123456:ABCsecret"
    redactor = RedactingFilter([token])
    logger.addFilter(redactor)
    try:
        with caplog.at_level(logging.INFO, logger="test.redact"):
            logger.info("POST https://api.telegram.org/bot%s/getMe", token)
            try:
                raise RuntimeError(f"failed https://x/bot{token}/getUpdates")
            except RuntimeError:
                logger.exception("boom")
    finally:
        logger.removeFilter(redactor)
    assert token not in caplog.text
    assert "<redacted>" in caplog.text


def test_ingest_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    assert defaults.allow_private_urls is False
    assert (defaults.fetch_timeout_seconds, defaults.fetch_max_bytes, defaults.fetch_max_redirects) == (
        15.0,
        5 * 1024 * 1024,
        5,
    )
    assert defaults.feed_poll_minutes == 15
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("FEED_POLL_MINUTES", "5")
    changed = load_settings()
    assert changed.allow_private_urls is True and changed.feed_poll_minutes == 5
    for variable, value in [
        ("FETCH_MAX_REDIRECTS", "-1"),
        ("FEED_POLL_MINUTES", "0"),
        ("FETCH_TIMEOUT_SECONDS", "abc"),
        ("ALLOW_PRIVATE_URLS", "maybe"),
    ]:
        monkeypatch.setenv(variable, value)
        with pytest.raises(ConfigError, match=variable):
            load_settings()
        monkeypatch.delenv(variable)


def test_every_setting_is_documented() -> None:
    root = Path(__file__).resolve().parent.parent
    example, readme = (root / ".env.example").read_text(), (root / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"{name.upper()}=" in example, name
        assert f"`{name.upper()}`" in readme, name


def test_monitoring_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    assert defaults.metrics_port is None and defaults.alert_chat_id is None
    assert defaults.metrics_listen == "127.0.0.1"
    monkeypatch.setenv("METRICS_PORT", "9464")
    monkeypatch.setenv("METRICS_LISTEN", "0.0.0.0")
    monkeypatch.setenv("ALERT_CHAT_ID", "-1001234567890")
    changed = load_settings()
    assert (changed.metrics_port, changed.metrics_listen, changed.alert_chat_id) == (
        9464,
        "0.0.0.0",
        -1001234567890,
    )
    for variable in ("METRICS_PORT", "ALERT_CHAT_ID"):  # empty, as .env.example leaves them: off
        monkeypatch.setenv(variable, "")
    assert load_settings().metrics_port is None and load_settings().alert_chat_id is None


def test_metrics_port_must_not_be_the_webhook_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/tg")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("METRICS_PORT", "8443")  # PORT's default
    with pytest.raises(ConfigError, match=r"METRICS_PORT \(8443\) must differ from PORT"):
        load_settings()
    monkeypatch.setenv("PORT", "8080")
    assert load_settings().metrics_port == 8443


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("sqlite:///newsbot.db", "sqlite+aiosqlite:///newsbot.db"),
        (
            "sqlite:////var/lib/newsbot/bot.db?timeout=5",
            "sqlite+aiosqlite:////var/lib/newsbot/bot.db?timeout=5",
        ),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://bot:pw@db:5432/news", "postgresql+asyncpg://bot:pw@db:5432/news"),
        ("postgres://bot:pw@db.example.com/news", "postgresql+asyncpg://bot:pw@db.example.com/news"),
        ("postgres://u:p%40ss@h/d?sslmode=require", "postgresql+asyncpg://u:p%40ss@h/d?ssl=require"),
        (
            "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
            "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        ),
    ],
)
def test_database_urls_as_operators_write_them(
    monkeypatch: pytest.MonkeyPatch, written: str, used: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", written)
    assert load_settings().database_url == used


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://bot:hunter2secret@db/news", "unsupported database 'mysql'"),
        ("postgresql+psycopg2://bot:hunter2secret@db/news", "driver 'psycopg2' is not supported"),
        ("postgres://bot:hunter2secret@db:notaport/news", "not a valid database URL"),
        ("bot:hunter2secret@db/news", "expected a database URL"),
    ],
)
def test_unusable_database_url_is_one_line_without_the_password(
    monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith("invalid configuration: DATABASE_URL: ") and says in message
    assert "hunter2secret" not in message and "\n" not in message


def test_unknown_database_scheme_stops_start_up_with_exit_2(tmp_path: Path) -> None:
    env = child_env(DATABASE_URL="mysql://bot:hunter2secret@db/news")
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "DATABASE_URL" in line and "mysql" in line
    assert "hunter2secret" not in result.stderr + result.stdout and "Traceback" not in result.stderr


def test_digest_catch_up_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().digest_catchup_hours == 6
    monkeypatch.setenv("DIGEST_CATCHUP_HOURS", "1.5")
    assert load_settings().digest_catchup_hours == 1.5
    for bad in ("0", "24", "-1", "soon"):
        monkeypatch.setenv("DIGEST_CATCHUP_HOURS", bad)
        with pytest.raises(ConfigError, match="DIGEST_CATCHUP_HOURS"):
            load_settings()
