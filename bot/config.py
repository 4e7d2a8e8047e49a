"""Typed, validated configuration read from the environment and an optional `.env` file."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import NewsbotError
from bot.i18n.languages import SHIPPED
from bot.storage.types import DigestDefaults

DEFAULT_API_URL = "https://api.telegram.org/bot"
OUTLET_NAME_MAX = 64
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)

# The async driver of each database the bot runs on, and the URL schemes operators write for it.
ASYNC_DRIVERS: Final = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
BACKEND_ALIASES: Final = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}
URL_EXAMPLES: Final = "sqlite:///newsbot.db or postgresql://user:password@host/db"

# Files of the zone database that are no zone of their own: the host's zone, a link the POSIX rules use,
# and tzdata's placeholder "Factory" (zone unknown). available_timezones() lists some of them.
NOT_ZONES: Final = frozenset({"localtime", "posixrules", "Factory"})
# The summarizer backends (summarizer.registry); listed here so `python -m bot.health` imports no more.
SUMMARIZERS: Final = ("abstractive", "extractive", "lead")


class ConfigError(NewsbotError):
    """The configuration is invalid; the message is one line naming the variable."""


class StartupError(ConfigError):
    """A setting is well-formed but does not work here (file not writable, database unreachable...)."""

    def __init__(self, variable: str, problem: str) -> None:
        """`variable` is the environment variable to fix; `problem` says what went wrong, in one line."""
        super().__init__(f"cannot start: {variable}: {' '.join(problem.split())}")
        self.variable = variable


def safe_url(url: str) -> str:
    """A database URL fit for messages and logs: its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unparsable URL)"


def parse_hhmm(value: str) -> time:
    """Parse `HH:MM` (24-hour clock) into a naive time; raise ValueError otherwise."""
    match = _HHMM.match(value.strip())
    if match is None:
        raise ValueError(f"expected HH:MM (24-hour clock), got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


@functools.cache
def iana_zones() -> Mapping[str, str]:
    """Every IANA zone key, by its casefolded form (read once: it scans the zone database)."""
    return {key.casefold(): key for key in available_timezones() - NOT_ZONES}


def check_timezone(value: str) -> str:
    """Return the IANA zone key `value` names (any letter case); raise ValueError for anything else.

    Only keys of the zone database count: not its directories, nor files such as `localtime`.
    """
    key = iana_zones().get(value.strip().casefold())
    if key is None:
        raise ValueError(f"unknown time zone {value[:64]!r} (use an IANA name such as Europe/Berlin)")
    return key


def async_database_url(value: str) -> str:
    """The SQLAlchemy async URL of a database URL as operators write it; ValueError (never quoting the
    URL, which may hold a password) for one the bot cannot use.

    `sqlite:///x.db` becomes `sqlite+aiosqlite:///x.db`; `postgresql://` and `postgres://` (what hosted
    PostgreSQL providers hand out) become `postgresql+asyncpg://`, whose `sslmode` query parameter is
    asyncpg's `ssl`. Explicit async URLs stay as they are.
    """
    if "://" not in value:
        raise ValueError(f"expected a database URL such as {URL_EXAMPLES}")
    try:
        url = make_url(value.strip())
    except (ArgumentError, ValueError):  # their messages may quote the URL: say it without
        raise ValueError(f"not a valid database URL (expected e.g. {URL_EXAMPLES})") from None
    backend_name, _, driver = url.drivername.partition("+")
    backend = BACKEND_ALIASES.get(backend_name.lower())
    if backend is None:
        raise ValueError(f"unsupported database {backend_name!r} (use {URL_EXAMPLES})")
    wanted = ASYNC_DRIVERS[backend]
    if driver and f"{backend}+{driver.lower()}" != wanted:
        raise ValueError(f"driver {driver!r} is not supported: write {backend}://... (the bot uses {wanted})")
    url = url.set(drivername=wanted)
    if backend == "postgresql":
        url = _asyncpg_query(url)
    return url.render_as_string(hide_password=False)


def _asyncpg_query(url: URL) -> URL:
    """libpq's `sslmode=...` as asyncpg's `ssl=...` (asyncpg takes the same values)."""
    query = dict(url.query)
    if "sslmode" in query:
        query.setdefault("ssl", query.pop("sslmode"))
    return url.set(query=query)


class DigestDefaultSettings(BaseSettings):
    """The outlet's digest time and zone (DIGEST_TIME, TIMEZONE), read as `Settings` reads them: what a
    chat that never chose its own follows. On its own only for migration 0007, which needs just these."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    digest_time: Annotated[time, NoDecode] = time(19, 0)
    timezone: str = "UTC"

    @field_validator("digest_time", mode="before")
    @classmethod
    def _parse_digest_time(cls, value: Any) -> Any:
        return parse_hhmm(value) if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return check_timezone(value)


class Settings(DigestDefaultSettings):
    """Everything the bot reads from its environment; see `.env.example`."""

    bot_token: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    database_url: str = "sqlite+aiosqlite:///newsbot.db"
    telegram_api_url: str = DEFAULT_API_URL
    summarizer: str = "extractive"
    summarizer_model: str = "sshleifer/distilbart-cnn-12-6"
    # Where the abstractive backend runs: auto = CUDA when torch sees a GPU, else the CPU.
    summarizer_device: Literal["auto", "cpu", "cuda"] = "auto"
    # What runs the extractive backend's MiniLM (summarizer.runtime): torch, or ONNX Runtime (float32, int8),
    # exported once into SUMMARIZER_ONNX_DIR (unset: newsbot-onnx in the Hugging Face home, HF_HOME).
    summarizer_runtime: Literal["torch", "onnx", "onnx-int8"] = "torch"
    summarizer_onnx_dir: Path | None = None
    log_level: str = "INFO"
    # text: one human-readable line per record; json: one JSON object per line, for log shippers.
    log_format: Literal["text", "json"] = "text"
    max_article_chars: int = Field(default=100_000, ge=100)
    allow_private_urls: bool = False
    fetch_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    fetch_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    feed_poll_minutes: float = Field(default=15.0, gt=0)
    semantic: bool = True
    inference_threads: int = Field(default=1, ge=1, le=64)
    search_min_similarity: float = Field(default=0.25, ge=-1.0, le=1.0)
    topic_min_similarity: float = Field(default=0.22, ge=-1.0, le=1.0)
    merge_min_similarity: float = Field(default=0.60, ge=-1.0, le=1.0)
    send_rate: int = Field(default=30, ge=1, le=1000)
    send_concurrency: int = Field(default=32, ge=1, le=256)
    send_retries: int = Field(default=5, ge=0, le=20)
    send_backoff: float = Field(default=0.5, gt=0, le=60)
    send_timeout: float = Field(default=10.0, gt=0, le=120)
    delivery_lease: float = Field(default=30.0, ge=1, le=3600)
    delivery_retry_after: float = Field(default=300.0, ge=1, le=86400)
    # /stats charts the last 30 days, so at least 31 are kept.
    ledger_retention_days: int = Field(default=90, ge=31, le=3650)
    # A digest missed (the bot was down, planning failed) is still sent this late; later it is skipped.
    # Under a day: the next day's digest is due by then.
    digest_catchup_hours: float = Field(default=6.0, gt=0, le=23)
    # Touched every 30 s by the running bot, for `python -m bot.health` (the Docker HEALTHCHECK).
    heartbeat_file: Path | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    port: int = Field(default=8443, ge=1, le=65535)
    webhook_listen: str = "0.0.0.0"
    # GET /metrics (Prometheus text format) on METRICS_LISTEN:METRICS_PORT; unset: no metrics server.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_listen: str = "127.0.0.1"
    # The editors' chat that gets short alerts (feeds failing, digests failed, start and stop).
    alert_chat_id: int | None = None
    # The source name of pasted and forwarded articles (those without a feed or page of their own).
    outlet_name: str = "Newsroom"
    # The outlet's language: groups, channels and users whose Telegram language is not shipped get it.
    bot_language: str = "en"

    @field_validator("webhook_url", "webhook_secret", "metrics_port", "summarizer_onnx_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an https URL such as https://bot.example.com/telegram, got {value!r}")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("expected 1-256 characters A-Z, a-z, 0-9, _ or - (Telegram's rule)")
        return value

    @field_validator("metrics_listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        address = value.strip()
        try:
            ipaddress.ip_address(address)
        except ValueError:
            if not _HOSTNAME.match(address):
                raise ValueError(
                    f"expected an IP address or host name to listen on, such as 127.0.0.1, got {value!r}"
                ) from None
        return address

    @field_validator("alert_chat_id", mode="before")
    @classmethod
    def _check_alert_chat(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and not re.fullmatch(r"-?[1-9]\d{0,18}", value.strip()):
            raise ValueError(
                "expected a numeric Telegram chat id such as -1001234567890 (the editors' group), "
                f"got {value!r}"
            )
        if value == 0:
            raise ValueError("expected a numeric Telegram chat id such as -1001234567890, got 0")
        return value

    @field_validator("bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            ids = []
            for part in parts:
                if not re.fullmatch(r"-?\d+", part):
                    raise ValueError(f"expected comma-separated numeric Telegram user ids, got {part!r}")
                ids.append(int(part))
            return frozenset(ids)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("admin_ids")
    @classmethod
    def _only_users(cls, value: frozenset[int]) -> frozenset[int]:
        # Telegram gives groups and channels negative ids; an editor is always a user (positive id).
        bad = sorted(i for i in value if i <= 0)
        if bad:
            raise ValueError(f"{bad[0]} is a group or channel id, not a user id: editors are users")
        return value

    @field_validator("summarizer_device", "summarizer_runtime", "log_format", mode="before")
    @classmethod
    def _lower_case_choice(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got {value!r}")
        return level

    @field_validator("outlet_name")
    @classmethod
    def _check_outlet_name(cls, value: str) -> str:
        name = " ".join(value.split())
        if not 1 <= len(name) <= OUTLET_NAME_MAX or not name.isprintable():
            raise ValueError(f"expected a name of 1-{OUTLET_NAME_MAX} printable characters, got {value!r}")
        return name

    @field_validator("bot_language")
    @classmethod
    def _check_bot_language(cls, value: str) -> str:
        code = value.strip().lower()
        if code not in SHIPPED:
            raise ValueError(f"expected one of the shipped languages {', '.join(SHIPPED)}, got {value!r}")
        return code

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http(s) URL, got {value!r}")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        return async_database_url(value)

    @field_validator("summarizer")
    @classmethod
    def _check_summarizer(cls, value: str) -> str:
        name = value.strip().lower()
        if name not in SUMMARIZERS:
            raise ValueError(f"unknown summarizer {value[:64]!r}; expected one of {', '.join(SUMMARIZERS)}")
        return name

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required with WEBHOOK_URL (requests without it are refused)")
        return self

    @model_validator(mode="after")
    def _metrics_port_is_free(self) -> Settings:
        if self.webhook_url and self.metrics_port == self.port:
            raise ValueError(
                f"METRICS_PORT ({self.metrics_port}) must differ from PORT, where the webhook server listens"
            )
        return self

    @model_validator(mode="after")
    def _lease_outlives_a_send(self) -> Settings:
        if self.delivery_lease < 2 * self.send_timeout:
            raise ValueError(
                f"DELIVERY_LEASE ({self.delivery_lease:g}s) must be at least twice SEND_TIMEOUT "
                f"({self.send_timeout:g}s), or another instance could take over a send still in flight"
            )
        return self

    def webhook_path(self) -> str:
        """The path the webhook server listens on: the path of WEBHOOK_URL."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    def digest_defaults(self) -> DigestDefaults:
        """DIGEST_TIME and TIMEZONE: what a chat without its own time or zone follows."""
        return DigestDefaults(self.digest_time, self.timezone)

    def editor_chats(self) -> tuple[int, ...]:
        """Where the editors are told something (a report, a channel lost): each ADMIN_IDS chat, then the
        ALERT_CHAT_ID chat if set and not one of them."""
        chats = sorted(self.admin_ids)
        if self.alert_chat_id is not None and self.alert_chat_id not in chats:
            chats.append(self.alert_chat_id)
        return tuple(chats)

    def token(self) -> str | None:
        """The bot token in clear, or None when unset (playground mode)."""
        return self.bot_token.get_secret_value() if self.bot_token is not None else None


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings; raise ConfigError with one line naming the bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            variable = "_".join(str(part) for part in error["loc"][:1]).upper() or "configuration"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{variable}: {message}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None
