"""Programmatic Alembic entry points; the migration scripts ship inside the package (bot/migrations)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, make_url

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent.parent / "migrations"


def ensure_sqlite_parent_dir(url: str) -> None:
    """Create the parent directory of a SQLite database file; no-op for other URLs and in-memory SQLite."""
    parsed = make_url(url)
    database = parsed.database or ""
    if (
        parsed.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not database.startswith("file:")
    ):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def alembic_config(url: str | None = None, *, connection: Connection | None = None) -> Config:
    """Build an Alembic Config for the packaged migrations, targeting a URL or an open sync connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at url (blocking, runs its own event loop: call it via asyncio.to_thread)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Downgrade the database at url (blocking, runs its own event loop: call via asyncio.to_thread)."""
    command.downgrade(alembic_config(url), revision)


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    """Upgrade through an already open sync connection (e.g. inside AsyncConnection.run_sync)."""
    command.upgrade(alembic_config(connection=connection), revision)
