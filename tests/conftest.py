"""Shared fixtures: the fake Bot API, databases (SQLite always, PostgreSQL when given), the running bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Bot

from bot.app import Webhook, build_application, running
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.emulator import FakeBotAPI, SentMessage
from bot.ingest.meta import LanguageDetector
from bot.services import Services
from summarizer import Summarizer, load_summarizer
from summarizer.embedding import Embedder, load_embedder
from tests.digest_helpers import services_of

ADMIN_ID = 111
USER_ID = 4242
REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
PG_SKIP = "TEST_DATABASE_URL not set: PostgreSQL tests skipped (.ci/run sets it)"
# A closed port: a test that asks the hub without starting its own (tests/hub_server.py) is refused at
# once instead of reaching huggingface.co. Child processes inherit it through child_env.
UNREACHABLE_HUB = "http://127.0.0.1:9"


def pytest_configure(config: pytest.Config) -> None:
    """Point huggingface_hub at UNREACHABLE_HUB before anything imports it (it reads HF_ENDPOINT once)."""
    os.environ["HF_ENDPOINT"] = UNREACHABLE_HUB


def child_env(**overrides: str) -> dict[str, str]:
    """This process's environment for a `python -m bot` child: none of the bot's settings leak in."""
    settings_vars = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k not in settings_vars}
    env["PYTHONPATH"] = str(REPO_ROOT)  # the child imports this checkout, wherever its cwd is
    env.update(overrides)
    return env


async def reset_postgres(url: str) -> None:
    """Drop every table so each PostgreSQL test starts from an empty database."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL: a SQLite file, or the TEST_DATABASE_URL server wiped clean."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/newsbot.db"
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP)
    await reset_postgres(url)
    return url


@pytest.fixture(scope="session")
def extractive() -> Summarizer:
    """The real default summarizer (transformer), loaded once per test session."""
    return load_summarizer("extractive")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real MiniLM sentence embedder, loaded once per test session."""
    return load_embedder()


@pytest.fixture(scope="session")
def languages() -> LanguageDetector:
    """The real language detector (py3langid), loaded once per test session."""
    return LanguageDetector()


@pytest.fixture
async def emulator() -> AsyncIterator[FakeBotAPI]:
    """The fake Telegram Bot API on 127.0.0.1."""
    async with FakeBotAPI() as emu:
        yield emu


@pytest.fixture
async def bot(emulator: FakeBotAPI) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the emulator (for tests of the emulator itself)."""
    async with Bot(emulator.token, base_url=emulator.base_url) as tg_bot:
        yield tg_bot


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Test settings: one admin, a fresh database, no .env file."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        admin_ids=frozenset({ADMIN_ID}),
        database_url=database_url,
        summarizer="extractive",
        max_article_chars=100_000,
    )


@dataclass
class Chat:
    """One Telegram user talking to the bot through the emulator."""

    emulator: FakeBotAPI
    user_id: int

    async def send(self, text: str, replies: int = 1, **kwargs: Any) -> list[SentMessage]:
        """Send `text` as this user and wait for `replies` bot messages in this chat."""
        self.emulator.send_message(self.user_id, text, user_id=self.user_id, **kwargs)
        return await self.emulator.wait_for(self.user_id, replies, timeout=20)

    async def ask(self, text: str, **kwargs: Any) -> str:
        """Send `text` and return the single reply's displayed text."""
        (message,) = await self.send(text, **kwargs)
        return message.text

    async def result(self, text: str, **kwargs: Any) -> str:
        """Send `text`, expect "Working…" at once, and return what that reply was edited into."""
        working, outcome = await self.send(text, replies=2, **kwargs)
        assert working.text == "Working…" and not working.edited, working
        assert outcome.edited and outcome.message_id == working.message_id, outcome
        return outcome.text


class BotHarness:
    """Starts the real Application against the emulator; several starts simulate restarts."""

    def __init__(
        self,
        settings: Settings,
        emulator: FakeBotAPI,
        summarizer: Summarizer,
        embedder: Embedder,
        languages: LanguageDetector | None = None,
    ) -> None:
        self.settings, self.emulator, self.summarizer = settings, emulator, summarizer
        self.embedder, self.languages = embedder, languages

    def run(self, webhook: Webhook | None = None, clock: Clock = utc_now, **overrides: Any) -> Any:
        """An async context manager running the bot (`async with harness.run() as app`), reading `clock`
        (the JobQueue keeps real time) and the settings with `overrides`."""
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        application = build_application(
            settings,
            token=self.emulator.token,
            base_url=self.emulator.base_url,
            summarizer=self.summarizer,
            embedder=self.embedder,
            languages=self.languages,
            clock=clock,
        )
        return running(application, webhook=webhook)


@pytest.fixture
def harness(
    settings: Settings,
    emulator: FakeBotAPI,
    extractive: Summarizer,
    embedder: Embedder,
    languages: LanguageDetector,
) -> BotHarness:
    """A way to start (and restart) the bot."""
    return BotHarness(settings, emulator, extractive, embedder, languages)


@pytest.fixture
async def app(harness: BotHarness) -> AsyncIterator[Any]:
    """The running bot."""
    async with harness.run() as application:
        yield application


@pytest.fixture
def services(app: Any) -> Services:
    """The running bot's services (store, clock...), for assertions on what was stored."""
    found = services_of(app)
    assert found is not None
    return found


@pytest.fixture
def admin(emulator: FakeBotAPI) -> Chat:
    """An editor listed in ADMIN_IDS."""
    return Chat(emulator, ADMIN_ID)


@pytest.fixture
def user(emulator: FakeBotAPI) -> Chat:
    """An ordinary subscriber."""
    return Chat(emulator, USER_ID)


@pytest.fixture
def cnn_articles() -> Iterator[list[dict[str, str]]]:
    """The CNN/Daily Mail dev set from ../shared (skipped with a reason when absent)."""
    import json

    path = SHARED_DATA / "cnn_dailymail_dev100.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found: the shared dev data is not next to this checkout")
    yield [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
