"""The database itself, written once: engine (SQLite pragmas or a pooled PostgreSQL), migrations at open,
short sessions, the dialect-aware INSERT ... ON CONFLICT, chunking of long id lists, and the time checks
every repository shares."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import datetime, time
from typing import Any, Final, TypeVar

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from bot.storage import migrate as migrations
from bot.storage.errors import DatabaseOpenError

SQLITE_BUSY_TIMEOUT_MS: Final = 30_000
# Ids per IN (...) list: far below SQLite's 32766 bound parameters and PostgreSQL's 65535.
IN_CHUNK: Final = 1000

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size` (for IN lists and multi-row statements)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def require_aware(value: datetime, name: str) -> datetime:
    """Return value if it is timezone-aware, else raise ValueError."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value


def require_naive_time(value: time) -> time:
    """Return value if it is a naive wall-clock time, else raise ValueError."""
    if value.tzinfo is not None:
        raise ValueError(f"digest_time must be a naive wall-clock time, got {value!r}")
    return value


def open_error(url: str, exc: BaseException) -> DatabaseOpenError:
    """The one-line error for a database that cannot be opened; its password never appears."""
    parsed = make_url(url)
    if isinstance(exc, DBAPIError):
        reason = str(exc.orig)
    elif isinstance(exc, OSError) and exc.strerror:
        reason = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    else:
        reason = str(exc) or type(exc).__name__
    reason = " ".join(reason.split())
    if parsed.password:
        reason = reason.replace(str(parsed.password), "***")
    shown = parsed.render_as_string(hide_password=True)
    return DatabaseOpenError(f"cannot open the database {shown}: {reason}")


def is_memory_sqlite(url: str) -> bool:
    """Tell whether url names a private in-memory SQLite database."""
    parsed = make_url(url)
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and database in ("", ":memory:")


def create_engine(url: str) -> AsyncEngine:
    """Create the async engine, making SQLite parent dirs and enabling SQLite pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    memory = is_memory_sqlite(url)
    # `?timeout=S` in the URL is sqlite3's own busy timeout (seconds); without it, SQLITE_BUSY_TIMEOUT_MS.
    busy_timeout = "timeout" not in parsed.query
    migrations.ensure_sqlite_parent_dir(url)
    if memory:  # one pooled connection holds the whole database: sessions take turns on it
        engine = create_async_engine(url, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0)
    else:
        engine = create_async_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if busy_timeout:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class Database:
    """An engine whose schema is at the latest migration, and what every repository needs from it."""

    def __init__(self, engine: AsyncEngine) -> None:
        """Wrap an engine whose schema is already migrated."""
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Database:
        """Create the engine for url, check it connects and, unless migrate is False, run `alembic upgrade
        head`; raise DatabaseOpenError (naming the URL without its password) when any of that fails."""
        try:
            engine = create_engine(url)
        except OSError as exc:  # the SQLite file's folder cannot be created
            raise open_error(url, exc) from None
        try:
            async with engine.connect() as connection:  # reachable, creatable: fail here, in our loop
                await connection.execute(text("SELECT 1"))
            if migrate and is_memory_sqlite(url):
                async with engine.begin() as connection:  # the one shared connection holds the database
                    await connection.run_sync(migrations.upgrade_connection)
            elif migrate:
                await asyncio.to_thread(migrations.upgrade, url)
        except (OSError, SQLAlchemyError) as exc:
            await engine.dispose()
            raise open_error(url, exc) from None
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def close(self) -> None:
        """Dispose of the engine and its pooled connections."""
        await self.engine.dispose()

    @property
    def dialect(self) -> str:
        """The backend name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def insert(self, model: type[Any] | Table) -> postgresql.Insert | sqlite.Insert:
        """A dialect-specific INSERT supporting ON CONFLICT."""
        if self.dialect == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)
