"""article_embeddings.changed_at: when an article's vector was replaced after it was stored (its title or
summary was edited, or it was summarized again); NULL for a vector computed when the article was stored
(every existing row). Indexed: each process's in-memory index reads the recent changes by it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable column and its index."""
    with op.batch_alter_table("article_embeddings") as batch:
        batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_article_embeddings_changed_at", "article_embeddings", ["changed_at"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_article_embeddings_changed_at", table_name="article_embeddings")
    with op.batch_alter_table("article_embeddings") as batch:
        batch.drop_column("changed_at")
