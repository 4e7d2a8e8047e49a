"""Digest plans: the articles each planning run read near its cut-off, so the next digest can look back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create digest_plans; add digest_deliveries.plan_id (NULL for deliveries planned before) and an
    index for each chat's latest sent digest."""
    op.create_table(
        "digest_plans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recent_article_ids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digest_plans"),
    )
    # No foreign key: SQLite can only add one by rebuilding digest_deliveries, and dropping the old table
    # would cascade to digest_parts (PRAGMA foreign_keys=ON). Plans are never deleted.
    op.add_column("digest_deliveries", sa.Column("plan_id", sa.Integer(), nullable=True))
    # A chat's latest sent digest by chat, not by scanning every sent delivery (SQLite chose the status
    # index for last_cutoffs: its cost grew with the whole ledger's history).
    op.create_index(
        "ix_digest_deliveries_chat_id_status_claimed_at",
        "digest_deliveries",
        ["chat_id", "status", "claimed_at"],
    )


def downgrade() -> None:
    """Drop what upgrade() added."""
    op.drop_index("ix_digest_deliveries_chat_id_status_claimed_at", table_name="digest_deliveries")
    op.drop_column("digest_deliveries", "plan_id")
    op.drop_table("digest_plans")
