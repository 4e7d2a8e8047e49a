"""A topic remembers the story it was muted from (the digest's 🔇 button): topics.article_id.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add topics.article_id (NULL: a typed topic, matched by words or meaning); mutes made with the
    button before (their vector is an article's embedding, byte for byte) get that article's id."""
    with op.batch_alter_table("topics") as batch:
        batch.add_column(sa.Column("article_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE topics SET article_id = (SELECT MIN(e.article_id) FROM article_embeddings e "
        "WHERE e.vector = topics.vector) WHERE kind = 'mute' AND vector IS NOT NULL"
    )


def downgrade() -> None:
    """Drop topics.article_id."""
    with op.batch_alter_table("topics") as batch:
        batch.drop_column("article_id")
