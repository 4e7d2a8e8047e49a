"""Embeddings only for articles in the embedder's language: all-MiniLM-L6-v2 was trained on English, and
its vectors of a Russian or German article are noise that made unrelated articles "the same story" in
digests and matched topics by "meaning" they never had. Those articles are found by their words only.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DELETE = (
    "DELETE FROM article_embeddings WHERE model = 'all-MiniLM-L6-v2' AND article_id IN "
    "(SELECT id FROM articles WHERE language IS NOT NULL AND language <> 'en')"
)


def upgrade() -> None:
    """Delete the MiniLM embeddings of articles detected as written in another language than English."""
    op.execute(_DELETE)


def downgrade() -> None:
    """Nothing to restore: the deleted vectors were noise (a downgraded bot embeds new articles again)."""
