"""Durable digest ledger: shared part texts, one row per subscriber per digest per part, claim leases.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add claim/lease columns to digest_deliveries and the digest_texts and digest_parts tables."""
    with op.batch_alter_table("digest_deliveries") as batch:
        batch.add_column(sa.Column("owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
    op.create_index("ix_digest_deliveries_status", "digest_deliveries", ["status"])
    op.create_table(
        "digest_texts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("markup", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_digest_texts"),
        sa.UniqueConstraint("text_hash", name="uq_digest_texts_text_hash"),
    )
    op.create_table(
        "digest_parts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("text_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_digest_parts"),
        sa.UniqueConstraint("delivery_id", "part", name="uq_digest_parts_delivery_id_part"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["digest_deliveries.id"],
            name="fk_digest_parts_delivery_id_digest_deliveries",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["text_id"], ["digest_texts.id"], name="fk_digest_parts_text_id_digest_texts"
        ),
    )


def downgrade() -> None:
    """Drop the ledger tables and the claim columns."""
    op.drop_table("digest_parts")
    op.drop_table("digest_texts")
    op.drop_index("ix_digest_deliveries_status", table_name="digest_deliveries")
    with op.batch_alter_table("digest_deliveries") as batch:
        for column in ("reason", "attempts", "next_attempt_at", "lease_until", "owner"):
            batch.drop_column(column)
