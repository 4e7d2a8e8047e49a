"""Topics, stored article embeddings and the digest layout setting.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create article_embeddings and topics; add subscribers.digest_layout."""
    op.create_table(
        "article_embeddings",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", name="pk_article_embeddings"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_embeddings_article_id_articles",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("phrase", sa.String(100), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_topics"),
        sa.UniqueConstraint("chat_id", "phrase", name="uq_topics_chat_id_phrase"),
    )
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("digest_layout", sa.String(16), server_default="compact", nullable=False))


def downgrade() -> None:
    """Drop what upgrade() added."""
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("digest_layout")
    op.drop_table("topics")
    op.drop_table("article_embeddings")
