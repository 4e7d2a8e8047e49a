"""A chat's digest time and zone may be "no choice" (NULL): it follows the outlet's DIGEST_TIME / TIMEZONE.
Also subscribers.schedule_changed_at: when the chat's schedule last changed (the catch-up sweep plans no
digest that was due before it).

Rows equal to the old default become NULL. The migration cannot know which default they were copied
from, so it takes DIGEST_TIME and TIMEZONE as the bot reads them at migration time (environment, then
`.env`), else 19:00 and UTC: upgrade with the defaults the rows were created under, change them after.
A chat that had chosen exactly the default itself follows the default from then on.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.config import DigestDefaultSettings

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBSCRIBERS = sa.table(
    "subscribers", sa.column("digest_time", sa.Time(timezone=False)), sa.column("timezone", sa.String(64))
)


def _nullable(nullable: bool) -> None:
    """Make digest_time and timezone (not) nullable (a table rebuild on SQLite)."""
    with op.batch_alter_table("subscribers") as batch:
        batch.alter_column("digest_time", existing_type=sa.Time(timezone=False), nullable=nullable)
        batch.alter_column("timezone", existing_type=sa.String(64), nullable=nullable)


def upgrade() -> None:
    """NULL = the outlet's default; rows equal to the current defaults become NULL."""
    defaults = DigestDefaultSettings()
    _nullable(True)
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("schedule_changed_at", sa.DateTime(timezone=True), nullable=True))
    column = SUBSCRIBERS.c
    op.execute(
        SUBSCRIBERS.update().where(column.digest_time == defaults.digest_time).values(digest_time=None)
    )
    op.execute(SUBSCRIBERS.update().where(column.timezone == defaults.timezone).values(timezone=None))


def downgrade() -> None:
    """Write the current defaults into the rows that follow them; drop schedule_changed_at."""
    defaults = DigestDefaultSettings()
    column = SUBSCRIBERS.c
    op.execute(
        SUBSCRIBERS.update().where(column.digest_time.is_(None)).values(digest_time=defaults.digest_time)
    )
    op.execute(SUBSCRIBERS.update().where(column.timezone.is_(None)).values(timezone=defaults.timezone))
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("schedule_changed_at")
    _nullable(False)
