"""What each article carries: source name, published time, lead image URL, language; and the send options
of a digest part (a large link preview of the compact digest's top story).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns; existing articles are dated by their post time and named by their feed, if any."""
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("source_name", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("image_url", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("language", sa.String(16), nullable=True))
    op.execute("UPDATE articles SET published_at = created_at WHERE published_at IS NULL")
    with op.batch_alter_table("digest_texts") as batch:
        batch.add_column(sa.Column("options", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("digest_texts") as batch:
        batch.drop_column("options")
    with op.batch_alter_table("articles") as batch:
        for name in ("language", "image_url", "published_at", "source_name"):
            batch.drop_column(name)
