"""Name the column that holds a digest's content cut-off for what it is: claimed_at -> cutoff.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEX = "ix_digest_deliveries_chat_id_status_claimed_at"
NEW_INDEX = "ix_digest_deliveries_chat_id_status_cutoff"


def _rename(old: str, new: str, old_index: str, new_index: str) -> None:
    """Rename the column and rebuild its index (SQLite >= 3.25 and PostgreSQL both RENAME COLUMN)."""
    op.drop_index(old_index, table_name="digest_deliveries")
    op.execute(f"ALTER TABLE digest_deliveries RENAME COLUMN {old} TO {new}")
    op.create_index(new_index, "digest_deliveries", ["chat_id", "status", new])


def upgrade() -> None:
    """claimed_at -> cutoff."""
    _rename("claimed_at", "cutoff", OLD_INDEX, NEW_INDEX)


def downgrade() -> None:
    """cutoff -> claimed_at."""
    _rename("cutoff", "claimed_at", NEW_INDEX, OLD_INDEX)
