"""The storage root: one database and a repository per aggregate, opened and closed together."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.articles import Articles
from bot.storage.channels import Channels
from bot.storage.database import Database
from bot.storage.feeds import Feeds
from bot.storage.ledger import Ledger
from bot.storage.stats import StatsQueries
from bot.storage.subscribers import Subscribers
from bot.storage.topics import Topics


class Store:
    """`articles`, `subscribers`, `topics`, `feeds`, `channels`, the digest `ledger` and `stats`, over one
    database."""

    def __init__(self, db: Database) -> None:
        """Wrap a database whose schema is already at the latest migration."""
        self.db = db
        self.articles = Articles(db)
        self.subscribers = Subscribers(db)
        self.topics = Topics(db)
        self.feeds = Feeds(db)
        self.channels = Channels(db)
        self.ledger = Ledger(db)
        self.stats = StatsQueries(db)

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Open the database at url and, unless migrate is False, run `alembic upgrade head`."""
        return cls(await Database.open(url, migrate=migrate))

    async def close(self) -> None:
        """Dispose of the engine and its pooled connections."""
        await self.db.close()

    async def __aenter__(self) -> Self:
        """Return self; the store is closed on exit."""
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the store."""
        await self.close()

    @property
    def dialect(self) -> str:
        """The backend name: "sqlite" or "postgresql"."""
        return self.db.dialect

    @property
    def engine(self) -> AsyncEngine:
        """The underlying engine (maintenance and inspection)."""
        return self.db.engine
