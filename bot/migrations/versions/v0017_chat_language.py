"""The language a chat is spoken to in: its own choice (/language; NULL: chosen automatically) and, for a
private chat, the Telegram language_code last seen from its user (what the digest, which has no sender,
goes by).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Two nullable columns: every chat stays as it was (the language chosen automatically)."""
    op.add_column("subscribers", sa.Column("language", sa.String(16), nullable=True))
    op.add_column("subscribers", sa.Column("last_language_code", sa.String(35), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("last_language_code")
        batch.drop_column("language")
