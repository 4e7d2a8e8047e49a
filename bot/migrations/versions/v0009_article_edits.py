"""Editors' corrections: each replaced title or summary is kept in article_revisions; an article whose
summary an editor wrote says so (summary_edited_by).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The history table and the edited-by column."""
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("old_text", sa.Text(), nullable=False),
        sa.Column("old_summarizer", sa.String(64), nullable=True),
        sa.Column("edited_by", sa.BigInteger(), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_article_revisions_article_id", "article_revisions", ["article_id"])
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("summary_edited_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("summary_edited_by")
    op.drop_index("ix_article_revisions_article_id", table_name="article_revisions")
    op.drop_table("article_revisions")
