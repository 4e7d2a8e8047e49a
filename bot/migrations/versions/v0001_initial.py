"""Initial schema: articles (with full-text search), subscribers, digest_deliveries.

Revision ID: 0001
Revises:
Create Date: 2024-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_COLUMNS = "title, body, summary"
_FTS_NEW = "new.id, new.title, new.body, new.summary"
_FTS_OLD = "'delete', old.id, old.title, old.body, old.summary"

SQLITE_FTS_UP = (
    f"CREATE VIRTUAL TABLE articles_fts USING fts5({_FTS_COLUMNS}, content='articles', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
    f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW}); END",
    f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN "
    f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) VALUES ({_FTS_OLD}); END",
    f"CREATE TRIGGER articles_fts_au AFTER UPDATE ON articles BEGIN "
    f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) VALUES ({_FTS_OLD}); "
    f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW}); END",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
)
SQLITE_FTS_DOWN = (
    "DROP TRIGGER IF EXISTS articles_fts_au",
    "DROP TRIGGER IF EXISTS articles_fts_ad",
    "DROP TRIGGER IF EXISTS articles_fts_ai",
    "DROP TABLE IF EXISTS articles_fts",
)
POSTGRESQL_FTS_UP = (
    "ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(body, '')), 'C')) STORED",
    "CREATE INDEX ix_articles_search_vector ON articles USING GIN (search_vector)",
)
POSTGRESQL_FTS_DOWN = (
    "DROP INDEX IF EXISTS ix_articles_search_vector",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_vector",
)


def _fts_statements(up: bool) -> tuple[str, ...]:
    """Return the dialect's full-text DDL (none for other dialects)."""
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        return SQLITE_FTS_UP if up else SQLITE_FTS_DOWN
    if dialect == "postgresql":
        return POSTGRESQL_FTS_UP if up else POSTGRESQL_FTS_DOWN
    return ()


def upgrade() -> None:
    """Create the tables and the dialect's full-text search objects."""
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(2048), nullable=True),
        sa.Column("posted_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("summarizer", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("content_hash", name="uq_articles_content_hash"),
    )
    op.create_index("ix_articles_created_at", "articles", ["created_at"])
    op.create_table(
        "subscribers",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("digest_time", sa.Time(timezone=False), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name="pk_subscribers"),
    )
    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("digest_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("article_count", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digest_deliveries"),
        sa.UniqueConstraint("chat_id", "digest_date", name="uq_digest_deliveries_chat_id_digest_date"),
    )
    op.create_index("ix_digest_deliveries_chat_id", "digest_deliveries", ["chat_id"])
    for statement in _fts_statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    """Drop the full-text objects, then the tables."""
    for statement in _fts_statements(up=False):
        op.execute(statement)
    op.drop_index("ix_digest_deliveries_chat_id", table_name="digest_deliveries")
    op.drop_table("digest_deliveries")
    op.drop_table("subscribers")
    op.drop_index("ix_articles_created_at", table_name="articles")
    op.drop_table("articles")
