"""subscribers.thread_id: the forum topic (message_thread_id) /subscribe was sent in, where the digest goes;
NULL (every existing row) is the chat itself, as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable column."""
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop it (digests go to the chat itself again)."""
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("thread_id")
