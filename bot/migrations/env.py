"""Alembic environment: migrate a shared connection if given, else a fresh async engine built from the URL."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.schema import SchemaItem

from bot.storage.migrate import ensure_sqlite_parent_dir
from bot.storage.models import Base
from bot.storage.search import FTS_TABLE

# Full-text objects are created with raw SQL in the migrations; autogenerate must not try to drop them.
_HIDDEN_COLUMNS = frozenset({"search_vector"})
_HIDDEN_INDEXES = frozenset({"ix_articles_search_vector"})


def include_object(
    obj: SchemaItem, name: str | None, type_: str, reflected: bool, compare_to: SchemaItem | None
) -> bool:
    """Hide the migration-only full-text objects from autogenerate."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    if type_ == "column" and name in _HIDDEN_COLUMNS:
        return False
    return not (type_ == "index" and name in _HIDDEN_INDEXES)


def database_url() -> str:
    """Return the URL from `-x url=...` or the config's sqlalchemy.url."""
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("no database URL: pass `-x url=...` or set sqlalchemy.url")
    return url


def run_offline() -> None:
    """Emit SQL for the URL's dialect without connecting."""
    context.configure(
        url=database_url(),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_on_connection(connection: Connection) -> None:
    """Run migrations on an open sync connection."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_new_engine(url: str) -> None:
    """Run migrations through a throwaway async engine."""
    ensure_sqlite_parent_dir(url)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on_connection)
    finally:
        await engine.dispose()


def main() -> None:
    """Dispatch on offline mode / shared connection / URL."""
    config = context.config
    if config.config_file_name is not None and config.attributes.get("configure_logger", True):
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    shared = config.attributes.get("connection")
    if context.is_offline_mode():
        run_offline()
    elif isinstance(shared, Connection):
        run_on_connection(shared)
    else:
        asyncio.run(run_on_new_engine(database_url()))


main()
