"""Editors' feed controls: a feed's own poll interval (poll_minutes, NULL: FEED_POLL_MINUTES) and a pause.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The two columns; existing feeds keep the default interval and are not paused. Plain ADD COLUMN
    (SQLite has it): a batch copy of the table would lose its AUTOINCREMENT (revision 0007)."""
    op.add_column("feeds", sa.Column("poll_minutes", sa.Integer(), nullable=True))
    op.add_column("feeds", sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("paused")
        batch.drop_column("poll_minutes")
